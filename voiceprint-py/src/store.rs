use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use voiceprint_core::{MemoryStore, SqliteStore, VectorStore};

use crate::errors::{IntoPyResult, InvalidArgumentError};

/// Where voiceprints live: an SQLite file (`Store.open`) or memory (`Store.memory`).
///
/// >>> store = voiceprint.Store.open("speakers.db", enc.model_id, enc.dim)
/// >>> len(store)
/// 0
///
/// A store is bound to one model id and dimension and refuses others.
#[pyclass(frozen, module = "voiceprint")]
pub struct Store {
    pub inner: Arc<dyn VectorStore>,
}

#[pymethods]
impl Store {
    /// Opens an SQLite store; creates it when `model_id` and `dim` are given.
    #[staticmethod]
    #[pyo3(signature = (path, model_id=None, dim=None))]
    fn open(
        py: Python<'_>,
        path: PathBuf,
        model_id: Option<String>,
        dim: Option<usize>,
    ) -> PyResult<Self> {
        let store = py
            .detach(|| match (model_id, dim) {
                (Some(m), Some(d)) => SqliteStore::create_or_open(&path, &m, d).map(Some),
                (None, None) => SqliteStore::open(&path).map(Some),
                _ => Ok(None),
            })
            .py()?
            .ok_or_else(|| {
                InvalidArgumentError::new_err("give both model_id and dim, or neither")
            })?;
        Ok(Store {
            inner: Arc::new(store),
        })
    }

    /// An in-memory store (lost when the process ends).
    #[staticmethod]
    fn memory(model_id: String, dim: usize) -> PyResult<Self> {
        Ok(Store {
            inner: Arc::new(MemoryStore::new(model_id, dim).py()?),
        })
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
