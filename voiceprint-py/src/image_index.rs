use std::collections::BTreeMap;
use std::sync::Arc;

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use voiceprint_core::Status;

use crate::errors::IntoPyResult;
use crate::image_encoder::ImageEncoder;
use crate::image_input::{parse_channel_order, OwnedImage};
use crate::store::Store;
use crate::vectors::{batch_hits, candidate_refs, rows, BatchHits};

/// One ranked image of `ImageIndex.search`.
#[pyclass(frozen, get_all, module = "voiceprint")]
#[derive(Clone)]
pub struct ImageMatch {
    /// The image id.
    pub id: String,
    /// Cosine similarity, in [-1, 1].
    pub score: f32,
}

#[pymethods]
impl ImageMatch {
    fn __repr__(&self) -> String {
        format!("ImageMatch(id={:?}, score={:.4})", self.id, self.score)
    }
}

/// A stored image, from `ImageIndex.get`.
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct ImageRecord {
    /// The image id.
    pub id: String,
    /// Its feature vector (float32, unit length).
    pub vector: Py<PyArray1<f32>>,
    /// `"active"` or `"disabled"`.
    pub status: String,
    /// Free-form labels.
    pub labels: BTreeMap<String, String>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Last update, milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
}

#[pymethods]
impl ImageRecord {
    fn __repr__(&self) -> String {
        format!(
            "ImageRecord(id={:?}, status={:?}, labels={})",
            self.id,
            self.status,
            self.labels.len()
        )
    }
}

/// Image feature vectors: embed, add, search by image or by vector.
///
/// >>> index = voiceprint.ImageIndex(enc, voiceprint.Store.open("images.db", enc.model_id, enc.dim))
/// >>> index.add("sku-1", "sku-1.jpg"); index.search("upload.webp", k=1)[0].id
/// 'sku-1'
///
/// Images are paths, bytes, PIL images or numpy uint8 arrays
/// (`channel_order="bgr"` for OpenCV's). Scores are cosines. Safe to share
/// between threads; the GIL is released while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct ImageIndex {
    inner: Arc<voiceprint_core::ImageIndex>,
}

/// `ImageIndex.search_vectors`' answer: per query, the ids and their scores.
fn to_match(m: voiceprint_core::Match) -> ImageMatch {
    ImageMatch {
        id: m.id,
        score: m.score,
    }
}

#[pymethods]
impl ImageIndex {
    /// `store` must be bound to the encoder's model id and dimension
    /// (`ModelMismatchError` / `DimensionMismatchError` otherwise).
    #[new]
    fn new(encoder: &ImageEncoder, store: &Store) -> PyResult<Self> {
        let index =
            voiceprint_core::ImageIndex::new(encoder.inner.clone(), store.inner.clone()).py()?;
        Ok(ImageIndex {
            inner: Arc::new(index),
        })
    }

    /// The unit feature vector of one image, as the index stores it.
    #[pyo3(signature = (image, *, channel_order="rgb"))]
    fn embed<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        channel_order: &str,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let input = OwnedImage::extract(image, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        let e = py.detach(move || inner.embed(input.as_input())).py()?;
        Ok(PyArray1::from_vec(py, e.vector))
    }

    /// Embeds and stores an image under `id`; True when it replaced one.
    #[pyo3(signature = (id, image, labels=None, *, channel_order="rgb"))]
    fn add(
        &self,
        py: Python<'_>,
        id: String,
        image: &Bound<'_, PyAny>,
        labels: Option<BTreeMap<String, String>>,
        channel_order: &str,
    ) -> PyResult<bool> {
        let input = OwnedImage::extract(image, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        py.detach(move || inner.add(&id, input.as_input(), labels.unwrap_or_default()))
            .py()
    }

    /// Embeds several images in batches and stores them under `ids` (all or
    /// nothing); returns how many replaced an existing image.
    #[pyo3(signature = (ids, images, *, channel_order="rgb"))]
    fn add_batch(
        &self,
        py: Python<'_>,
        ids: Vec<String>,
        images: &Bound<'_, PyAny>,
        channel_order: &str,
    ) -> PyResult<usize> {
        let inputs = OwnedImage::extract_many(images, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        py.detach(move || {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let refs: Vec<_> = inputs.iter().map(OwnedImage::as_input).collect();
            inner.add_batch(&ids, &refs)
        })
        .py()
    }

    /// Stores a float32 vector computed elsewhere (normalised here); True when it replaced one.
    #[pyo3(signature = (id, vector, labels=None))]
    fn add_vector(
        &self,
        py: Python<'_>,
        id: String,
        vector: PyReadonlyArray1<'_, f32>,
        labels: Option<BTreeMap<String, String>>,
    ) -> PyResult<bool> {
        let v = vector.as_array().to_vec();
        let inner = self.inner.clone();
        py.detach(move || inner.add_vector(&id, &v, labels.unwrap_or_default()))
            .py()
    }

    /// The `k` stored images most similar to `image`, best first (among `candidates` if given).
    #[pyo3(signature = (image, k=5, candidates=None, *, channel_order="rgb"))]
    fn search(
        &self,
        py: Python<'_>,
        image: &Bound<'_, PyAny>,
        k: usize,
        candidates: Option<Vec<String>>,
        channel_order: &str,
    ) -> PyResult<Vec<ImageMatch>> {
        let input = OwnedImage::extract(image, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        let found = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.search(input.as_input(), k, refs.as_deref())
            })
            .py()?;
        Ok(found.into_iter().map(to_match).collect())
    }

    /// `search` with a float32 query vector.
    #[pyo3(signature = (vector, k=5, candidates=None))]
    fn search_vector(
        &self,
        py: Python<'_>,
        vector: PyReadonlyArray1<'_, f32>,
        k: usize,
        candidates: Option<Vec<String>>,
    ) -> PyResult<Vec<ImageMatch>> {
        let v = vector.as_array().to_vec();
        let inner = self.inner.clone();
        let found = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.search_vector(&v, k, refs.as_deref())
            })
            .py()?;
        Ok(found.into_iter().map(to_match).collect())
    }

    /// `search_vector` for many queries at once, through one batched search:
    /// `queries` is a 2-D array `(n, dim)` (float32, or any numeric dtype,
    /// converted; C- or Fortran-ordered), each row normalised here.
    ///
    /// Returns `(ids, scores)`: `ids[i]` the ids found for row `i`, best
    /// first, and `scores[i]` a float32 array of their cosines, of the same
    /// length (up to `k`; shorter when fewer images are active or among
    /// `candidates`). Row `i` equals `search_vector(queries[i], k, candidates)`.
    /// `InvalidArgumentError` unless 2-D with at least one row,
    /// `DimensionMismatchError` for rows not `dim` wide.
    #[pyo3(signature = (queries, k=5, candidates=None))]
    fn search_vectors<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        candidates: Option<Vec<String>>,
    ) -> PyResult<BatchHits<'py>> {
        let q = rows(queries, self.inner.encoder().dim())?;
        let inner = self.inner.clone();
        let found = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.search_vectors(&q, k, refs.as_deref())
            })
            .py()?;
        Ok(batch_hits(py, found))
    }

    /// The stored image, or None.
    fn get(&self, py: Python<'_>, id: String) -> PyResult<Option<ImageRecord>> {
        let inner = self.inner.clone();
        let rec = py.detach(move || inner.get(&id)).py()?;
        Ok(rec.map(|r| ImageRecord {
            id: r.id,
            vector: PyArray1::from_vec(py, r.vector).unbind(),
            status: r.meta.status.as_str().to_string(),
            labels: r.meta.labels,
            created_at_ms: r.meta.created_at_ms,
            updated_at_ms: r.meta.updated_at_ms,
        }))
    }

    /// Removes an image; True when it existed.
    fn remove(&self, py: Python<'_>, id: String) -> PyResult<bool> {
        let inner = self.inner.clone();
        py.detach(move || inner.remove(&id)).py()
    }

    /// All ids, sorted.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let inner = self.inner.clone();
        py.detach(move || inner.list()).py()
    }

    /// Enables (`"active"`) or disables (`"disabled"`) an image; a disabled one is never found.
    fn set_status(&self, py: Python<'_>, id: String, status: &str) -> PyResult<()> {
        let status: Status = status.parse().py()?;
        let inner = self.inner.clone();
        py.detach(move || inner.set_status(&id, status)).py()
    }

    /// Number of stored images (active and disabled).
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "ImageIndex(model_id={:?}, images={})",
            self.inner.encoder().model_id(),
            self.inner.len()
        )
    }
}
