//! `voiceprint.GenderClassifier`: core's logistic-regression gender head on
//! voiceprints, bound to the model that made them.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use voiceprint_core::gender::BUILTIN_GENDER_HEADS;
use voiceprint_core::{Embedding, Gender, GenderTrainOptions};

use crate::errors::IntoPyResult;

/// What `GenderClassifier.predict` decides for a voiceprint.
#[pyclass(frozen, get_all, module = "voiceprint")]
#[derive(Clone)]
pub struct GenderPrediction {
    /// P(female), in [0, 1].
    pub female_probability: f32,
    /// `"female"`, `"male"`, or `"unknown"` inside the margin around 0.5.
    pub gender: String,
}

#[pymethods]
impl GenderPrediction {
    fn __repr__(&self) -> String {
        format!(
            "GenderPrediction(female_probability={:.3}, gender={:?})",
            self.female_probability, self.gender
        )
    }
}

impl From<voiceprint_core::GenderPrediction> for GenderPrediction {
    fn from(p: voiceprint_core::GenderPrediction) -> Self {
        GenderPrediction {
            female_probability: p.female_probability,
            gender: p.gender.as_str().to_string(),
        }
    }
}

/// `"female"` / `"male"` (or `"f"` / `"m"`, any case); `"unknown"` is
/// passed on so that core refuses it with its own message.
fn parse_label(label: &str) -> PyResult<Gender> {
    match label.to_ascii_lowercase().as_str() {
        "female" | "f" => Ok(Gender::Female),
        "male" | "m" => Ok(Gender::Male),
        "unknown" => Ok(Gender::Unknown),
        other => Err(crate::errors::to_py(
            voiceprint_core::Error::invalid_argument(
                "labels",
                format!("{other:?} is not a gender; use \"female\" or \"male\""),
            ),
        )),
    }
}

/// The rows of a 2-D float32 or float64 array.
fn rows(array: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<f32>>> {
    if let Ok(a) = array.extract::<PyReadonlyArray2<'_, f32>>() {
        return Ok(a
            .as_array()
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect());
    }
    if let Ok(a) = array.extract::<PyReadonlyArray2<'_, f64>>() {
        return Ok(a
            .as_array()
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&x| x as f32).collect())
            .collect());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "embeddings must be a 2-D numpy float32 (or float64) array, one voiceprint per row",
    ))
}

/// Gender from a voiceprint: a logistic-regression head bound to one
/// speaker model, with an "unknown" band of `margin` around P(female) = 0.5.
///
/// >>> head = voiceprint.GenderClassifier.builtin(enc.model_id)
/// >>> head.predict(enc.embed("alice.wav")).gender
/// 'female'
///
/// The library ships heads for the models in `builtin_model_ids()`; fit one
/// for another model with `train`. Safe to share between threads.
#[pyclass(frozen, module = "voiceprint")]
pub struct GenderClassifier {
    pub inner: RwLock<voiceprint_core::GenderClassifier>,
}

impl From<voiceprint_core::GenderClassifier> for GenderClassifier {
    fn from(inner: voiceprint_core::GenderClassifier) -> Self {
        GenderClassifier {
            inner: RwLock::new(inner),
        }
    }
}

impl GenderClassifier {
    /// A copy of the head as it is now (the margin may change later).
    pub fn snapshot(&self) -> voiceprint_core::GenderClassifier {
        self.read().clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, voiceprint_core::GenderClassifier> {
        // A panic while holding the lock cannot leave the head half-written
        // (set_margin validates first), so a poisoned lock is still usable.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl GenderClassifier {
    /// The head shipped for `model_id`, or None when the library has none
    /// (see `builtin_model_ids()`; fit one with `train`).
    #[staticmethod]
    fn builtin(model_id: &str) -> Option<Self> {
        voiceprint_core::GenderClassifier::builtin(model_id).map(Self::from)
    }

    /// Model ids that have a shipped head.
    #[staticmethod]
    fn builtin_model_ids() -> Vec<&'static str> {
        BUILTIN_GENDER_HEADS.to_vec()
    }

    /// Reads a head saved by `save` (or `examples/rust/train_gender.rs`).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(move || voiceprint_core::GenderClassifier::load(&path))
            .py()
            .map(Self::from)
    }

    /// Parses the JSON of `to_json`.
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        voiceprint_core::GenderClassifier::from_json(json)
            .py()
            .map(Self::from)
    }

    /// Fits a head for `model_id` on voiceprints (`embeddings`, one row
    /// each) labelled `"female"` or `"male"`; both classes are needed.
    ///
    /// >>> head = GenderClassifier.train(enc.model_id, np.stack(vectors), ["female", "male", ...])
    ///
    /// Classes are balanced in the loss; the same inputs give the same
    /// head. Options default to core's (`l2=1e-3`, `margin=0.25`, ...).
    #[staticmethod]
    #[pyo3(signature = (model_id, embeddings, labels, *, l2=None, max_iterations=None, tolerance=None, margin=None))]
    #[allow(clippy::too_many_arguments)]
    fn train(
        py: Python<'_>,
        model_id: String,
        embeddings: &Bound<'_, PyAny>,
        labels: Vec<String>,
        l2: Option<f32>,
        max_iterations: Option<u32>,
        tolerance: Option<f32>,
        margin: Option<f32>,
    ) -> PyResult<Self> {
        let rows = rows(embeddings)?;
        let labels = labels
            .iter()
            .map(|l| parse_label(l))
            .collect::<PyResult<Vec<_>>>()?;
        let defaults = GenderTrainOptions::default();
        let opts = GenderTrainOptions {
            l2: l2.unwrap_or(defaults.l2),
            max_iterations: max_iterations.unwrap_or(defaults.max_iterations),
            tolerance: tolerance.unwrap_or(defaults.tolerance),
            margin: margin.unwrap_or(defaults.margin),
        };
        py.detach(move || {
            let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
            voiceprint_core::GenderClassifier::train(&model_id, &refs, &labels, &opts)
        })
        .py()
        .map(Self::from)
    }

    /// Gender of one voiceprint of the head's model (1-D float32; it is
    /// normalised first).
    fn predict(&self, vector: PyReadonlyArray1<'_, f32>) -> PyResult<GenderPrediction> {
        let v = vector.as_slice()?;
        self.read().predict_vector(v).py().map(Into::into)
    }

    /// Gender of one speaker from several of its voiceprints (rows of a
    /// 2-D array): one prediction for their normalised mean, as a
    /// diarizer judges a cluster. For one prediction per row, call
    /// `predict` on each.
    fn predict_many(&self, embeddings: &Bound<'_, PyAny>) -> PyResult<GenderPrediction> {
        let head = self.read();
        let model: Arc<str> = Arc::from(head.model_id());
        let embeddings = rows(embeddings)?
            .into_iter()
            .map(|v| Embedding::from_raw(v, model.clone()))
            .collect::<voiceprint_core::Result<Vec<_>>>()
            .py()?;
        head.predict_many(&embeddings).py().map(Into::into)
    }

    /// The head as JSON (weights, bias, margin, how it was trained).
    fn to_json(&self) -> String {
        self.read().to_json()
    }

    /// Writes `to_json` to a file.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let head = self.snapshot();
        py.detach(move || head.save(&path)).py()
    }

    /// The speaker model the head is bound to.
    #[getter]
    fn model_id(&self) -> String {
        self.read().model_id().to_string()
    }

    /// Length of the voiceprints it reads.
    #[getter]
    fn dim(&self) -> usize {
        self.read().dim()
    }

    /// Half-width of the "unknown" band around P(female) = 0.5, in [0, 0.5).
    #[getter]
    fn margin(&self) -> f32 {
        self.read().margin()
    }

    #[setter]
    fn set_margin(&self, margin: f32) -> PyResult<()> {
        let mut head = self.inner.write().unwrap_or_else(|e| e.into_inner());
        head.set_margin(margin).py()
    }

    /// The weights (float32, one per dimension).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, self.read().weights())
    }

    /// The bias (log-odds of a zero vector).
    #[getter]
    fn bias(&self) -> f32 {
        self.read().bias()
    }

    fn __repr__(&self) -> String {
        let head = self.read();
        format!(
            "GenderClassifier(model_id={:?}, dim={}, margin={:.3})",
            head.model_id(),
            head.dim(),
            head.margin()
        )
    }
}
