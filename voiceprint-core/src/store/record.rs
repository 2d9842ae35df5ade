use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Whether a record takes part in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Status {
    /// Matched by search and accepted by verification.
    #[default]
    Active,
    /// Kept, but never matched or accepted.
    Disabled,
}

impl Status {
    /// `"active"` or `"disabled"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
        }
    }
}

impl Status {
    /// The integer the durable stores keep: 0 active, 1 disabled.
    pub(crate) fn code(self) -> i16 {
        (self == Status::Disabled) as i16
    }

    /// The inverse of [`code`](Self::code): 0 is active, anything else disabled.
    pub(crate) fn from_code(code: i64) -> Self {
        if code == 0 {
            Status::Active
        } else {
            Status::Disabled
        }
    }
}

/// A vector as the durable stores keep it (before any sealing): its `f32`
/// values, little-endian.
pub(crate) fn vector_to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The inverse of [`vector_to_bytes`]; a trailing partial value is ignored
/// (callers check the length first).
pub(crate) fn vector_from_bytes(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "active" | "enabled" => Ok(Status::Active),
            "disabled" => Ok(Status::Disabled),
            _ => Err(Error::invalid_argument(
                "status",
                format!("{s:?}: use active or disabled"),
            )),
        }
    }
}

/// Everything stored beside a vector.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordMeta {
    /// Active or disabled.
    pub status: Status,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Last update, milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// Utterances (or images) averaged into the vector.
    pub enrollment_count: u32,
    /// Free-form labels (name, gender, tenant, ...).
    pub labels: BTreeMap<String, String>,
}

/// One stored vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Unique id (1-256 bytes of UTF-8 without control characters).
    pub id: String,
    /// The vector, of the store's dimension.
    pub vector: Vec<f32>,
    /// Its metadata.
    pub meta: RecordMeta,
}

/// A search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The record's id.
    pub id: String,
    /// Dot product with the query (the cosine for unit vectors).
    pub score: f32,
}

/// Longest id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 256;

/// Checks that `id` can be stored: non-empty, at most 256 bytes, no
/// control characters, not only whitespace.
pub fn validate_id(id: &str) -> Result<()> {
    let reason = if id.trim().is_empty() {
        "empty or only whitespace"
    } else if id.len() > MAX_ID_BYTES {
        "longer than 256 bytes"
    } else if id.chars().any(char::is_control) {
        "contains control characters"
    } else {
        return Ok(());
    };
    Err(Error::InvalidId {
        id: id.chars().take(64).collect(),
        reason,
    })
}

/// Checks a vector against a store's dimension and for finite values.
pub(crate) fn validate_vector(v: &[f32], dim: usize) -> Result<()> {
    if v.len() != dim {
        return Err(Error::DimensionMismatch {
            expected: dim,
            actual: v.len(),
        });
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(Error::invalid_argument(
            "vector",
            format!("value {i} is not finite"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated() {
        assert!(validate_id("alice").is_ok());
        assert!(validate_id("张伟-01").is_ok());
        for bad in ["", "   ", "a\nb", "x\u{0}"] {
            assert!(
                matches!(validate_id(bad), Err(Error::InvalidId { .. })),
                "{bad:?}"
            );
        }
        assert!(validate_id(&"x".repeat(257)).is_err());
        assert!(validate_id(&"x".repeat(256)).is_ok());
    }

    #[test]
    fn status_parses() {
        assert_eq!("Disabled".parse::<Status>().unwrap(), Status::Disabled);
        assert_eq!(
            Status::Active.as_str().parse::<Status>().unwrap(),
            Status::Active
        );
        assert!("maybe".parse::<Status>().is_err());
    }
}
