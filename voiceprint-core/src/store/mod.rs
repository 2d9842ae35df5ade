//! Vector stores: records of (id, unit vector, metadata) bound to one model,
//! searched by dot product. `MemoryStore` is the exact search kernel;
//! `SqliteStore` makes it durable in one file.

mod hnsw;
mod memory;
mod record;
mod sqlite;
mod topk;

pub use hnsw::{HnswOptions, HnswQuantization};
pub use memory::MemoryStore;
pub use record::{validate_id, Match, Record, RecordMeta, Status};
pub use sqlite::SqliteStore;

use crate::{Error, Result};

/// A batch may not name one id twice: which of the two would win is not
/// something a caller should have to guess.
pub(crate) fn check_distinct_ids(records: &[Record]) -> Result<()> {
    let mut seen = std::collections::HashSet::with_capacity(records.len());
    for r in records {
        if !seen.insert(r.id.as_str()) {
            return Err(Error::invalid_argument(
                "records",
                format!("id {:?} appears twice in one batch", r.id),
            ));
        }
    }
    Ok(())
}

/// Checks a batch of row-major queries: at least one, whole rows of `dim`.
pub(crate) fn check_queries(queries: &[f32], dim: usize) -> Result<()> {
    if queries.is_empty() || dim == 0 || !queries.len().is_multiple_of(dim) {
        return Err(Error::invalid_argument(
            "queries",
            format!(
                "{} values are not a whole number of {dim}-value rows (give at least one)",
                queries.len()
            ),
        ));
    }
    Ok(())
}

/// A collection of voiceprints (or image vectors) bound to one model id and
/// dimension.
///
/// Methods take `&self`: implementations lock internally, so many threads
/// can search while another writes. Vectors are expected to be unit length
/// (the engines store L2-normalised embeddings), making scores cosines.
pub trait VectorStore: Send + Sync {
    /// The model whose vectors this store holds.
    fn model_id(&self) -> &str;
    /// Their dimension.
    fn dim(&self) -> usize;
    /// Number of records, active and disabled.
    fn len(&self) -> usize;
    /// Whether there are no records.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Inserts or replaces a record. Refuses bad ids
    /// ([`Error::InvalidId`](crate::Error::InvalidId)), vectors of another
    /// dimension and non-finite values.
    fn upsert(&self, record: Record) -> Result<()>;
    /// Inserts or replaces many records at once. Every record is checked
    /// before anything is written; stores that can (the SQLite store: one
    /// transaction) apply the batch all or nothing. This default upserts
    /// one by one after checking none repeats an id.
    fn upsert_batch(&self, records: Vec<Record>) -> Result<()> {
        check_distinct_ids(&records)?;
        records.into_iter().try_for_each(|r| self.upsert(r))
    }
    /// The record with this id, if any.
    fn get(&self, id: &str) -> Result<Option<Record>>;
    /// Removes a record; `true` when it existed.
    fn remove(&self, id: &str) -> Result<bool>;
    /// All ids, sorted.
    fn list(&self) -> Result<Vec<String>>;
    /// Enables or disables a record ([`Error::NotFound`](crate::Error::NotFound) when absent).
    fn set_status(&self, id: &str, status: Status) -> Result<()>;
    /// The `k` active records with the highest dot product with `query`,
    /// best first (ties by id). `candidates` restricts the search to those
    /// ids; unknown ids among them are ignored.
    fn search(&self, query: &[f32], k: usize, candidates: Option<&[&str]>) -> Result<Vec<Match>>;
    /// [`search`](Self::search) for many queries at once: `queries` holds
    /// `n` row-major vectors of [`dim`](Self::dim) values; the result has
    /// one hit list per query, each exactly what `search` returns for it.
    /// Stores override this with a batched kernel (the memory store uses a
    /// blocked matrix product); this default loops.
    fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
    ) -> Result<Vec<Vec<Match>>> {
        let dim = self.dim();
        check_queries(queries, dim)?;
        queries
            .chunks_exact(dim)
            .map(|q| self.search(q, k, candidates))
            .collect()
    }

    /// Makes every write durable (a no-op where writes already are).
    fn flush(&self) -> Result<()> {
        Ok(())
    }
}
