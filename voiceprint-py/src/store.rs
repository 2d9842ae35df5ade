use std::path::PathBuf;
use std::sync::Arc;

use numpy::{AllowTypeChange, PyArray1, PyArrayLikeDyn};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use voiceprint_core::store::{
    HnswOptions as CoreHnswOptions, HnswQuantization, HnswState, PostgresOptions, PostgresStore,
};
use voiceprint_core::{
    IndexOptions, MemoryStore, Record, RecordMeta, SqliteStore, Storage, VectorStore,
};

use crate::errors::{to_py, IntoPyResult, InvalidArgumentError};
use crate::vectors::{batch_hits, candidate_refs, rows, BatchHits};

/// Options of a store's approximate HNSW index (see ``Store.memory``).
///
/// >>> hnsw = voiceprint.HnswOptions(min_records=50_000, expansion_search=128)
///
/// The index is built once the store holds ``min_records`` records and is
/// then used by ``search`` and ``search_batch``; ``connectivity`` (M),
/// ``expansion_add`` (efConstruction) and ``expansion_search`` (ef) trade
/// recall for speed and memory; ``quantization`` ("f32", "f16", "i8") is how
/// the graph stores its copy of the vectors. Hits are rescored exactly.
#[pyclass(frozen, get_all, module = "voiceprint")]
#[derive(Clone)]
pub struct HnswOptions {
    pub min_records: usize,
    pub connectivity: usize,
    pub expansion_add: usize,
    pub expansion_search: usize,
    pub quantization: String,
}

#[pymethods]
impl HnswOptions {
    #[new]
    #[pyo3(signature = (min_records=None, connectivity=None, expansion_add=None, expansion_search=None, quantization=None))]
    fn new(
        min_records: Option<usize>,
        connectivity: Option<usize>,
        expansion_add: Option<usize>,
        expansion_search: Option<usize>,
        quantization: Option<String>,
    ) -> PyResult<Self> {
        let d = CoreHnswOptions::default();
        let quantization = match quantization {
            Some(q) => HnswQuantization::parse(&q).py()?.as_str().to_string(),
            None => d.quantization.as_str().to_string(),
        };
        Ok(HnswOptions {
            min_records: min_records.unwrap_or(d.min_records),
            connectivity: connectivity.unwrap_or(d.connectivity),
            expansion_add: expansion_add.unwrap_or(d.expansion_add),
            expansion_search: expansion_search.unwrap_or(d.expansion_search),
            quantization,
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "HnswOptions(min_records={}, connectivity={}, expansion_add={}, expansion_search={}, quantization={:?})",
            self.min_records, self.connectivity, self.expansion_add, self.expansion_search, self.quantization
        )
    }
}

impl HnswOptions {
    fn core(&self) -> PyResult<CoreHnswOptions> {
        Ok(CoreHnswOptions {
            min_records: self.min_records,
            connectivity: self.connectivity,
            expansion_add: self.expansion_add,
            expansion_search: self.expansion_search,
            quantization: HnswQuantization::parse(&self.quantization).py()?,
        })
    }
}

fn index_options(
    storage: &str,
    compressed_scan: bool,
    hnsw: Option<&HnswOptions>,
) -> PyResult<IndexOptions> {
    Ok(IndexOptions {
        storage: Storage::parse(storage).py()?,
        compressed_scan,
        hnsw: hnsw.map(HnswOptions::core).transpose()?,
    })
}

/// Where voiceprints live: an SQLite file (`Store.open`) or memory (`Store.memory`).
///
/// >>> store = voiceprint.Store.open("speakers.db", enc.model_id, enc.dim)
/// >>> len(store)
/// 0
///
/// A store is bound to one model id and dimension and refuses others.
/// Raw vectors go in with ``upsert_vectors`` and are searched with
/// ``search`` / ``search_batch`` (dot product; exact unless an HNSW index
/// is on).
#[pyclass(frozen, module = "voiceprint")]
pub struct Store {
    pub inner: Arc<dyn VectorStore>,
    /// The in-memory index behind `inner` (the store itself, or the SQLite
    /// store's copy), for its options and state.
    index: IndexRef,
}

#[derive(Clone)]
enum IndexRef {
    Memory(Arc<MemoryStore>),
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PostgresStore>),
}

/// Whether `path` is a PostgreSQL URL rather than a file.
fn is_postgres_url(path: &std::path::Path) -> bool {
    path.to_str()
        .is_some_and(|s| s.starts_with("postgresql://") || s.starts_with("postgres://"))
}

impl Store {
    fn memory_index(&self) -> &MemoryStore {
        match &self.index {
            IndexRef::Memory(m) => m,
            IndexRef::Sqlite(s) => s.index(),
            IndexRef::Postgres(p) => p.index(),
        }
    }

    fn from_sqlite(store: SqliteStore) -> Self {
        let store = Arc::new(store);
        Store {
            inner: store.clone(),
            index: IndexRef::Sqlite(store),
        }
    }
}

#[pymethods]
impl Store {
    /// Opens an SQLite store, or a PostgreSQL one when `path` is a URL
    /// (`postgresql://user:password@host:port/database`); creates it when
    /// `model_id` and `dim` are given.
    ///
    /// A PostgreSQL store is shared by every process that opens the same
    /// database and `table`: each keeps its own in-memory index, follows the
    /// others' writes (LISTEN/NOTIFY, then catch-up), and sees its own
    /// writes at once. `pool_size` connections are kept for writes;
    /// `connect_timeout` (seconds) bounds every wait for one.
    ///
    /// `storage` ("f32" or "f16": half the memory), `compressed_scan` (an
    /// i8 first pass of exact single-query scans) and `hnsw` (an
    /// `HnswOptions`, or None for exact search only) shape the in-memory
    /// index; the file always keeps float32. With `hnsw`, the graph is saved
    /// beside the file (`<path>.hnsw`, `<path>.hnsw.keys`) on `flush` and
    /// close, and loaded on open when it matches the file, else rebuilt.
    #[staticmethod]
    #[pyo3(signature = (path, model_id=None, dim=None, *, storage="f32", compressed_scan=true, hnsw=None, table="voiceprints", pool_size=4, connect_timeout=5.0))]
    #[allow(clippy::too_many_arguments)]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        model_id: Option<String>,
        dim: Option<usize>,
        storage: &str,
        compressed_scan: bool,
        hnsw: Option<PyRef<'_, HnswOptions>>,
        table: &str,
        pool_size: u32,
        connect_timeout: f64,
    ) -> PyResult<Self> {
        let options = index_options(storage, compressed_scan, hnsw.as_deref())?;
        if is_postgres_url(&path) {
            if !(connect_timeout.is_finite() && connect_timeout > 0.0) {
                return Err(InvalidArgumentError::new_err(
                    "connect_timeout must be a positive number of seconds",
                ));
            }
            let url = path.to_string_lossy().into_owned();
            let pg = PostgresOptions {
                table: table.to_string(),
                pool_size,
                connect_timeout: std::time::Duration::from_secs_f64(connect_timeout),
                ..Default::default()
            };
            let store = py
                .detach(|| match (model_id, dim) {
                    (Some(m), Some(d)) => {
                        PostgresStore::create_or_open_with(&url, &m, d, &pg, options).map(Some)
                    }
                    (None, None) => PostgresStore::open_with(&url, &pg, options).map(Some),
                    _ => Ok(None),
                })
                .py()?
                .ok_or_else(|| {
                    InvalidArgumentError::new_err("give both model_id and dim, or neither")
                })?;
            let store = Arc::new(store);
            return Ok(Store {
                inner: store.clone(),
                index: IndexRef::Postgres(store),
            });
        }
        let store = py
            .detach(|| match (model_id, dim) {
                (Some(m), Some(d)) => {
                    SqliteStore::create_or_open_with(&path, &m, d, options).map(Some)
                }
                (None, None) => SqliteStore::open_with(&path, options).map(Some),
                _ => Ok(None),
            })
            .py()?
            .ok_or_else(|| {
                InvalidArgumentError::new_err("give both model_id and dim, or neither")
            })?;
        Ok(Store::from_sqlite(store))
    }

    /// An in-memory store (lost when the process ends); options as for `open`.
    #[staticmethod]
    #[pyo3(signature = (model_id, dim, *, storage="f32", compressed_scan=true, hnsw=None))]
    fn memory(
        model_id: String,
        dim: usize,
        storage: &str,
        compressed_scan: bool,
        hnsw: Option<PyRef<'_, HnswOptions>>,
    ) -> PyResult<Self> {
        let options = index_options(storage, compressed_scan, hnsw.as_deref())?;
        let store = Arc::new(MemoryStore::with_options(model_id, dim, options).py()?);
        Ok(Store {
            inner: store.clone(),
            index: IndexRef::Memory(store),
        })
    }

    /// Inserts or replaces raw vectors in one batch (one transaction in a
    /// file): `ids` a list of distinct ids, `vectors` a 2-D array `(n, dim)`
    /// (any numeric dtype, converted to float32). Vectors are kept as given
    /// (normalise them for cosine scores). All or nothing.
    fn upsert_vectors(
        &self,
        py: Python<'_>,
        ids: Vec<String>,
        vectors: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let dim = self.inner.dim();
        let values = rows(vectors, dim)?;
        if values.len() / dim != ids.len() {
            return Err(InvalidArgumentError::new_err(format!(
                "{} ids for {} vectors",
                ids.len(),
                values.len() / dim
            )));
        }
        let records: Vec<Record> = ids
            .into_iter()
            .zip(values.chunks_exact(dim))
            .map(|(id, v)| Record {
                id,
                vector: v.to_vec(),
                meta: RecordMeta {
                    enrollment_count: 1,
                    ..Default::default()
                },
            })
            .collect();
        let inner = self.inner.clone();
        py.detach(move || inner.upsert_batch(records)).py()
    }

    /// The `k` best records for one query vector (1-D, `dim` values), best
    /// first, among `candidates` ids when given: `(ids, scores)` with
    /// scores the float32 dot products.
    #[pyo3(signature = (query, k=10, candidates=None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        k: usize,
        candidates: Option<Vec<String>>,
    ) -> PyResult<(Vec<String>, Bound<'py, PyArray1<f32>>)> {
        let array: PyArrayLikeDyn<'_, f32, AllowTypeChange> = query.extract().map_err(|_| {
            to_py(voiceprint_core::Error::invalid_argument(
                "query",
                "expected a 1-D numeric array",
            ))
        })?;
        let view = array.as_array();
        if view.ndim() != 1 {
            return Err(InvalidArgumentError::new_err(format!(
                "expected a 1-D query, got shape {:?}",
                view.shape()
            )));
        }
        let q: Vec<f32> = view.iter().copied().collect();
        let inner = self.inner.clone();
        let found = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.search(&q, k, refs.as_deref())
            })
            .py()?;
        let scores = PyArray1::from_iter(py, found.iter().map(|m| m.score));
        Ok((found.into_iter().map(|m| m.id).collect(), scores))
    }

    /// `search` for many queries at once (a 2-D array `(n, dim)`), through
    /// the batched kernel (a blocked matrix product over all threads; or
    /// the HNSW index in parallel when it is on). Returns `(ids, scores)`:
    /// `ids[i]` a list, `scores[i]` a float32 array, row `i` equal to
    /// `search(queries[i], k, candidates)`. The GIL is released.
    #[pyo3(signature = (queries, k=10, candidates=None))]
    fn search_batch<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        candidates: Option<Vec<String>>,
    ) -> PyResult<BatchHits<'py>> {
        let q = rows(queries, self.inner.dim())?;
        let inner = self.inner.clone();
        let found = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.search_batch(&q, k, refs.as_deref())
            })
            .py()?;
        Ok(batch_hits(py, found))
    }

    /// Removes a record; True when it was there.
    fn remove(&self, py: Python<'_>, id: String) -> PyResult<bool> {
        let inner = self.inner.clone();
        py.detach(move || inner.remove(&id)).py()
    }

    /// Writes pending state out: the WAL into the file, and a changed HNSW
    /// graph beside it.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        let inner = self.inner.clone();
        py.detach(move || inner.flush()).py()
    }

    /// The approximate index's state as a dict: `{"state": "off"}`,
    /// `{"state": "waiting", "min_records": n}`, `{"state": "ready",
    /// "records": n, "memory_bytes": b, "loaded_from_file": bool}` or
    /// `{"state": "failed", "reason": str}`.
    fn hnsw_state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match self.memory_index().hnsw_state() {
            HnswState::Off => d.set_item("state", "off")?,
            HnswState::Waiting { min_records } => {
                d.set_item("state", "waiting")?;
                d.set_item("min_records", min_records)?;
            }
            HnswState::Ready {
                records,
                memory_bytes,
                loaded_from_file,
            } => {
                d.set_item("state", "ready")?;
                d.set_item("records", records)?;
                d.set_item("memory_bytes", memory_bytes)?;
                d.set_item("loaded_from_file", loaded_from_file)?;
            }
            HnswState::Failed { reason } => {
                d.set_item("state", "failed")?;
                d.set_item("reason", reason)?;
            }
        }
        Ok(d)
    }

    /// Rebuilds the HNSW index from the records now (after a failure, or
    /// to compact one that has seen many removals).
    fn rebuild_hnsw(&self, py: Python<'_>) -> PyResult<()> {
        let index = self.index.clone();
        py.detach(move || match &index {
            IndexRef::Memory(m) => m.rebuild_hnsw(),
            IndexRef::Sqlite(s) => s.index().rebuild_hnsw(),
            IndexRef::Postgres(p) => p.index().rebuild_hnsw(),
        })
        .py()
    }

    /// A shared (PostgreSQL) store: catches up now with every write
    /// committed on any node, so reads after it see them. Other stores:
    /// nothing to do.
    fn sync_now(&self, py: Python<'_>) -> PyResult<()> {
        match &self.index {
            IndexRef::Postgres(p) => {
                let p = p.clone();
                py.detach(move || p.sync_now()).py()
            }
            _ => Ok(()),
        }
    }

    /// Bytes of memory held for the vectors (the rows, and the i8 copy of
    /// the compressed scan), not counting ids, metadata or an HNSW graph.
    #[getter]
    fn vector_bytes(&self) -> usize {
        self.memory_index().vector_bytes()
    }

    /// "f32" or "f16".
    #[getter]
    fn storage(&self) -> &'static str {
        self.memory_index().options().storage.as_str()
    }

    /// The model whose vectors this store holds.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id().to_string()
    }

    /// Vector length.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// All ids, sorted.
    fn list(&self) -> PyResult<Vec<String>> {
        self.inner.list().py()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Store(model_id={:?}, dim={}, len={})",
            self.inner.model_id(),
            self.inner.dim(),
            self.inner.len()
        )
    }
}
