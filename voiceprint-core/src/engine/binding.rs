use std::time::{SystemTime, UNIX_EPOCH};

use crate::store::VectorStore;
use crate::{Error, Result};

/// Milliseconds since the Unix epoch, for record times.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// An engine binds an encoder to a store made for the same model: refuse
/// any other pairing before a single vector is written.
pub(crate) fn check_store_binding(
    store: &dyn VectorStore,
    model_id: &str,
    dim: usize,
) -> Result<()> {
    if store.model_id() != model_id {
        return Err(Error::ModelMismatch {
            store: store.model_id().to_string(),
            model: model_id.to_string(),
        });
    }
    if store.dim() != dim {
        return Err(Error::DimensionMismatch {
            expected: store.dim(),
            actual: dim,
        });
    }
    Ok(())
}
