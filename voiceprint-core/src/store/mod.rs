//! Vector stores: records of (id, unit vector, metadata) bound to one model,
//! searched by dot product. `MemoryStore` is the exact search kernel;
//! `SqliteStore` makes it durable in one file; `PostgresStore` (feature
//! `postgres`) shares it between processes through one database. Durable
//! stores can encrypt their vectors at rest under a [`StoreKey`].

mod encryption;
mod graph;
mod hnsw;
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
mod record;
mod scan;
mod sqlite;
#[cfg(test)]
pub(crate) mod testdata;
mod topk;

pub use encryption::StoreKey;
pub use hnsw::{HnswOptions, HnswQuantization};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore, SyncStatus};
pub use record::{validate_id, Match, Record, RecordMeta, Status};
pub use sqlite::SqliteStore;

use crate::{Error, Result};

/// The element type a store keeps its rows in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Storage {
    /// `f32`, as given: scores are exact.
    #[default]
    F32,
    /// IEEE half precision: half the memory of `f32` for very large
    /// collections. Every value is rounded to 11 significant bits, so a
    /// score moves by about `1e-4` on unit vectors and near-ties can swap;
    /// searches are exact over the rounded values.
    F16,
}

impl Storage {
    /// `"f32"` or `"f16"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Storage::F32 => "f32",
            Storage::F16 => "f16",
        }
    }

    /// Parses `"f32"` or `"f16"`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "f32" => Ok(Storage::F32),
            "f16" => Ok(Storage::F16),
            other => Err(Error::invalid_argument(
                "storage",
                format!("unknown storage {other:?}: use \"f32\" or \"f16\""),
            )),
        }
    }
}

/// How a store keeps and searches its vectors.
///
/// ```
/// use voiceprint_core::store::{IndexOptions, Storage};
/// let o = IndexOptions::default();
/// assert_eq!(o.storage, Storage::F32);
/// assert!(o.compressed_scan);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct IndexOptions {
    /// Element type of the stored rows.
    pub storage: Storage,
    /// Keep an `i8` copy of the rows (`dim + 12` bytes a record) for a first
    /// pass of single-query scans that reads 4x fewer bytes than `f32`; a
    /// per-row error bound picks the rows rescored from the stored values,
    /// so results are exactly the full scan's. On by default.
    pub compressed_scan: bool,
    /// An approximate HNSW index, built once the store holds
    /// [`HnswOptions::min_records`] records and then used by `search` and
    /// `search_batch` (a short candidate list is still scored exactly).
    /// Off (`None`) by default: every search is exact.
    pub hnsw: Option<HnswOptions>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            storage: Storage::F32,
            compressed_scan: true,
            hnsw: None,
        }
    }
}

/// What a store's approximate index is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum HnswState {
    /// No HNSW index was asked for: searches are exact.
    Off,
    /// Asked for; built once the store holds `min_records` records.
    Waiting {
        /// The size that switches it on.
        min_records: usize,
    },
    /// In use.
    Ready {
        /// Records in the graph.
        records: usize,
        /// Memory the graph holds.
        memory_bytes: usize,
        /// Loaded from the file saved beside a durable store (not rebuilt).
        loaded_from_file: bool,
    },
    /// A build or update failed; searches are exact until
    /// [`MemoryStore::rebuild_hnsw`] succeeds.
    Failed {
        /// What failed.
        reason: String,
    },
}

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

/// The record an [`VectorStore::update`] change returned must keep its id.
pub(crate) fn check_updated_id(id: &str, record: &Record) -> Result<()> {
    if record.id != id {
        return Err(Error::invalid_argument(
            "change",
            format!(
                "the update of {id:?} returned a record with id {:?}; keep the id",
                record.id
            ),
        ));
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
    /// Reads, changes and writes one record atomically: `change` gets the
    /// stored record (`None` when there is none) and returns the record to
    /// store under `id`. No other write to the store (from this process or,
    /// for a shared store, from another node) comes between the read and
    /// the write, so read-modify-write work such as re-enrolment never loses
    /// an update. Returns the record written. An error from `change` is
    /// returned and nothing is written. Shared stores may call `change`
    /// again after a conflict, so it should not have side effects.
    ///
    /// ```
    /// use voiceprint_core::store::{MemoryStore, Record, VectorStore};
    /// let store = MemoryStore::new("m", 2)?;
    /// for _ in 0..3 {
    ///     store.update("a", &mut |old| {
    ///         let mut r = old.unwrap_or(Record { id: "a".into(), vector: vec![1.0, 0.0], meta: Default::default() });
    ///         r.meta.enrollment_count += 1;
    ///         Ok(r)
    ///     })?;
    /// }
    /// assert_eq!(store.get("a")?.unwrap().meta.enrollment_count, 3);
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    fn update(
        &self,
        id: &str,
        change: &mut dyn FnMut(Option<Record>) -> Result<Record>,
    ) -> Result<Record>;
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
