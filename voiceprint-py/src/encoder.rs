use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray1;
use pyo3::prelude::*;
use voiceprint_core::{OnnxSpeakerEncoder, SpeakerEncoder as _};

use crate::audio_input::OwnedInput;
use crate::errors::IntoPyResult;
use crate::runtime;

/// A speaker-embedding model: audio in, a unit-length float32 voiceprint out.
///
/// >>> enc = voiceprint.SpeakerEncoder("models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer")
/// >>> enc.embed("alice.wav").shape
/// (256,)
///
/// `preset` is one of ge2e-resemblyzer, campplus, eres2net, wespeaker-resnet;
/// with `preset=None` the spec is read from the model's sherpa-onnx metadata.
/// Safe to share between threads; the GIL is released while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct SpeakerEncoder {
    pub inner: Arc<OnnxSpeakerEncoder>,
}

#[pymethods]
impl SpeakerEncoder {
    #[new]
    #[pyo3(signature = (model_path, preset=None, *, provider="cpu", threads=0, ort_library=None))]
    fn new(
        py: Python<'_>,
        model_path: PathBuf,
        preset: Option<String>,
        provider: &str,
        threads: usize,
        ort_library: Option<PathBuf>,
    ) -> PyResult<Self> {
        let config = runtime::config(py, provider, threads, ort_library)?;
        let enc = py
            .detach(|| match preset {
                Some(p) => OnnxSpeakerEncoder::from_preset(&model_path, &p, &config),
                None => OnnxSpeakerEncoder::load(&model_path, None, &config),
            })
            .py()?;
        Ok(SpeakerEncoder {
            inner: Arc::new(enc),
        })
    }

    /// The voiceprint of one utterance: a path, bytes, or a numpy array with `sample_rate=`.
    #[pyo3(signature = (audio, sample_rate=None))]
    fn embed<'py>(
        &self,
        py: Python<'py>,
        audio: &Bound<'py, PyAny>,
        sample_rate: Option<u32>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let input = OwnedInput::extract(audio, sample_rate)?;
        let inner = self.inner.clone();
        let e = py.detach(move || inner.embed(input.as_input())).py()?;
        Ok(PyArray1::from_vec(py, e.vector))
    }

    /// Voiceprints of several utterances (decoded and embedded in parallel).
    #[pyo3(signature = (audios, sample_rate=None))]
    fn embed_batch<'py>(
        &self,
        py: Python<'py>,
        audios: &Bound<'py, PyAny>,
        sample_rate: Option<u32>,
    ) -> PyResult<Vec<Bound<'py, PyArray1<f32>>>> {
        let inputs = OwnedInput::extract_many(audios, sample_rate)?;
        let inner = self.inner.clone();
        let out = py
            .detach(move || {
                let refs: Vec<_> = inputs.iter().map(OwnedInput::as_input).collect();
                inner.embed_batch(&refs)
            })
            .py()?;
        Ok(out
            .into_iter()
            .map(|e| PyArray1::from_vec(py, e.vector))
            .collect())
    }

    /// Id of the model; stores are bound to it.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id().to_string()
    }

    /// Length of the voiceprints.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// Sample rate of the model's front end (input of any rate is resampled).
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Accept threshold used when a call gives none.
    #[getter]
    fn default_threshold(&self) -> f32 {
        self.inner.default_threshold()
    }

    /// The execution provider in use (`cpu` after a fallback).
    #[getter]
    fn provider(&self) -> String {
        self.inner.model().provider().to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "SpeakerEncoder(model_id={:?}, dim={}, provider={})",
            self.inner.model_id(),
            self.inner.dim(),
            self.provider()
        )
    }
}
