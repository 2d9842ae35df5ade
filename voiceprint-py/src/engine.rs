use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray1;
use pyo3::prelude::*;
use voiceprint_core::vad::SileroVad;
use voiceprint_core::{DecodeOptions, Status, VoiceprintsConfig};

use crate::audio_input::OwnedInput;
use crate::encoder::SpeakerEncoder;
use crate::errors::IntoPyResult;
use crate::store::Store;
use crate::vectors::{candidate_refs, rows};

/// The outcome of `Voiceprints.verify`.
#[pyclass(frozen, get_all, module = "voiceprint")]
#[derive(Clone)]
pub struct VerifyResult {
    /// Cosine similarity with the claimed speaker's voiceprint.
    pub score: f32,
    /// The threshold used.
    pub threshold: f32,
    /// `score >= threshold` and the voiceprint is active.
    pub accepted: bool,
    /// `"active"` or `"disabled"`.
    pub status: String,
}

#[pymethods]
impl VerifyResult {
    fn __repr__(&self) -> String {
        format!(
            "VerifyResult(score={:.4}, threshold={:.3}, accepted={}, status={:?})",
            self.score,
            self.threshold,
            if self.accepted { "True" } else { "False" },
            self.status
        )
    }
}

/// One ranked speaker of `Voiceprints.identify`.
#[pyclass(frozen, get_all, module = "voiceprint")]
#[derive(Clone)]
pub struct Match {
    /// The speaker id.
    pub speaker_id: String,
    /// Cosine similarity.
    pub score: f32,
}

#[pymethods]
impl Match {
    fn __repr__(&self) -> String {
        format!(
            "Match(speaker_id={:?}, score={:.4})",
            self.speaker_id, self.score
        )
    }
}

/// The outcome of `Voiceprints.identify`: ranked matches and the best one
/// if it reaches the threshold (`None` means an unknown speaker).
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct Identification {
    /// Up to k active speakers, best first.
    pub matches: Vec<Match>,
    /// The best match at or above the threshold, else None.
    pub best: Option<Match>,
    /// The threshold used.
    pub threshold: f32,
}

#[pymethods]
impl Identification {
    fn __repr__(&self) -> String {
        let best = self
            .best
            .as_ref()
            .map(Match::__repr__)
            .unwrap_or_else(|| "None".into());
        format!(
            "Identification(best={best}, matches={})",
            self.matches.len()
        )
    }
}

/// The outcome of `Voiceprints.enroll`.
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct EnrollResult {
    /// The speaker id.
    pub speaker_id: String,
    /// Utterances enrolled for this speaker so far.
    pub enrollment_count: u32,
    /// Whether the speaker existed before.
    pub updated: bool,
}

#[pymethods]
impl EnrollResult {
    fn __repr__(&self) -> String {
        format!(
            "EnrollResult(speaker_id={:?}, enrollment_count={}, updated={})",
            self.speaker_id,
            self.enrollment_count,
            if self.updated { "True" } else { "False" }
        )
    }
}

/// A stored speaker, from `Voiceprints.get`.
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct SpeakerInfo {
    /// The speaker id.
    pub speaker_id: String,
    /// The voiceprint (float32, unit length).
    pub vector: Py<PyArray1<f32>>,
    /// `"active"` or `"disabled"`.
    pub status: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: f64,
    /// Last update, seconds since the Unix epoch.
    pub updated_at: f64,
    /// Utterances averaged into the voiceprint.
    pub enrollment_count: u32,
    /// Free-form labels.
    pub labels: BTreeMap<String, String>,
}

/// Speaker voiceprints: enrol, verify, identify, manage.
///
/// >>> vp = voiceprint.Voiceprints(enc, voiceprint.Store.memory(enc.model_id, enc.dim))
/// >>> vp.enroll("alice", ["alice-1.wav", "alice-2.wav"]).enrollment_count
/// 2
///
/// Audio arguments are paths, bytes, or numpy arrays with `sample_rate=`.
/// Safe to share between threads; the GIL is released while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct Voiceprints {
    pub inner: Arc<voiceprint_core::Voiceprints>,
}

fn to_match(m: voiceprint_core::Match) -> Match {
    Match {
        speaker_id: m.id,
        score: m.score,
    }
}

#[pymethods]
impl Voiceprints {
    /// `threshold`: the accept threshold when a call gives none (default:
    /// the encoder's). `max_bytes` / `max_seconds`: the largest encoded
    /// input and the longest audio accepted (defaults 512 MiB, 4 hours);
    /// beyond them calls raise `InputTooLargeError` / `AudioTooLongError`.
    /// `vad`: a Silero VAD model (`models/silero_vad.onnx`); with it only the
    /// speech is embedded, and audio with less speech than the encoder's
    /// minimum raises `AudioTooShortError`.
    #[new]
    #[pyo3(signature = (encoder, store, threshold=None, *, max_bytes=None, max_seconds=None, vad=None))]
    fn new(
        py: Python<'_>,
        encoder: &SpeakerEncoder,
        store: &Store,
        threshold: Option<f32>,
        max_bytes: Option<u64>,
        max_seconds: Option<f32>,
        vad: Option<PathBuf>,
    ) -> PyResult<Self> {
        let vad = match vad {
            Some(path) => {
                let rt = crate::runtime::config(py, "cpu", 1, None)?;
                Some(Arc::new(py.detach(|| SileroVad::load(&path, &rt)).py()?))
            }
            None => None,
        };
        let defaults = DecodeOptions::default();
        let config = VoiceprintsConfig {
            threshold,
            decode: DecodeOptions {
                max_bytes: max_bytes.unwrap_or(defaults.max_bytes),
                max_seconds: max_seconds.unwrap_or(defaults.max_seconds),
            },
            vad,
            ..Default::default()
        };
        let vp = voiceprint_core::Voiceprints::with_config(
            encoder.inner.clone(),
            store.inner.clone(),
            config,
        )
        .py()?;
        Ok(Voiceprints {
            inner: Arc::new(vp),
        })
    }

    /// Enrols (or adds utterances to) a speaker from one input or a list.
    #[pyo3(signature = (speaker_id, audio, sample_rate=None))]
    fn enroll(
        &self,
        py: Python<'_>,
        speaker_id: String,
        audio: &Bound<'_, PyAny>,
        sample_rate: Option<u32>,
    ) -> PyResult<EnrollResult> {
        let inputs = OwnedInput::extract_many(audio, sample_rate)?;
        let inner = self.inner.clone();
        let out = py
            .detach(move || {
                let refs: Vec<_> = inputs.iter().map(OwnedInput::as_input).collect();
                inner.enroll(&speaker_id, &refs)
            })
            .py()?;
        Ok(EnrollResult {
            speaker_id: out.id,
            enrollment_count: out.enrollment_count,
            updated: out.updated,
        })
    }

    /// Scores audio against a speaker and decides with `threshold` (or the default).
    #[pyo3(signature = (speaker_id, audio, threshold=None, sample_rate=None))]
    fn verify(
        &self,
        py: Python<'_>,
        speaker_id: String,
        audio: &Bound<'_, PyAny>,
        threshold: Option<f32>,
        sample_rate: Option<u32>,
    ) -> PyResult<VerifyResult> {
        let input = OwnedInput::extract(audio, sample_rate)?;
        let inner = self.inner.clone();
        let v = py
            .detach(move || inner.verify(&speaker_id, input.as_input(), threshold))
            .py()?;
        Ok(VerifyResult {
            score: v.score,
            threshold: v.threshold,
            accepted: v.accepted,
            status: v.status.as_str().to_string(),
        })
    }

    /// Who is speaking: the top `k` speakers (among `candidates` if given).
    #[pyo3(signature = (audio, k=1, candidates=None, threshold=None, sample_rate=None))]
    fn identify(
        &self,
        py: Python<'_>,
        audio: &Bound<'_, PyAny>,
        k: usize,
        candidates: Option<Vec<String>>,
        threshold: Option<f32>,
        sample_rate: Option<u32>,
    ) -> PyResult<Identification> {
        let input = OwnedInput::extract(audio, sample_rate)?;
        let inner = self.inner.clone();
        let who = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.identify(input.as_input(), k, refs.as_deref(), threshold)
            })
            .py()?;
        Ok(Identification {
            matches: who.matches.into_iter().map(to_match).collect(),
            best: who.best.map(to_match),
            threshold: who.threshold,
        })
    }

    /// `identify` for many precomputed voiceprints at once (e.g. from
    /// `embed`), through one batched search: `vectors` is a 2-D array
    /// `(n, dim)` (float32, or any numeric dtype, converted; C- or
    /// Fortran-ordered). One `Identification` per row, in order; row `i`
    /// equals `identify` of the audio that `vectors[i]` was embedded from.
    /// `InvalidArgumentError` unless 2-D with at least one row,
    /// `DimensionMismatchError` for rows not `dim` wide.
    #[pyo3(signature = (vectors, k=1, candidates=None, threshold=None))]
    fn identify_vectors(
        &self,
        py: Python<'_>,
        vectors: &Bound<'_, PyAny>,
        k: usize,
        candidates: Option<Vec<String>>,
        threshold: Option<f32>,
    ) -> PyResult<Vec<Identification>> {
        let v = rows(vectors, self.inner.encoder().dim())?;
        let inner = self.inner.clone();
        let found = py
            .detach(move || {
                let refs = candidate_refs(&candidates);
                inner.identify_vectors(&v, k, refs.as_deref(), threshold)
            })
            .py()?;
        Ok(found
            .into_iter()
            .map(|who| Identification {
                matches: who.matches.into_iter().map(to_match).collect(),
                best: who.best.map(to_match),
                threshold: who.threshold,
            })
            .collect())
    }

    /// The voiceprint of an input with this engine's settings (numpy float32).
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

    /// Removes a speaker; True when it existed.
    fn remove(&self, py: Python<'_>, speaker_id: String) -> PyResult<bool> {
        let inner = self.inner.clone();
        py.detach(move || inner.remove(&speaker_id)).py()
    }

    /// The stored speaker, or None.
    fn get(&self, py: Python<'_>, speaker_id: String) -> PyResult<Option<SpeakerInfo>> {
        let inner = self.inner.clone();
        let info = py.detach(move || inner.get(&speaker_id)).py()?;
        Ok(info.map(|i| SpeakerInfo {
            speaker_id: i.id,
            vector: PyArray1::from_vec(py, i.vector).unbind(),
            status: i.meta.status.as_str().to_string(),
            created_at: i.meta.created_at_ms as f64 / 1000.0,
            updated_at: i.meta.updated_at_ms as f64 / 1000.0,
            enrollment_count: i.meta.enrollment_count,
            labels: i.meta.labels,
        }))
    }

    /// All speaker ids, sorted.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let inner = self.inner.clone();
        py.detach(move || inner.list()).py()
    }

    /// Enables (`"active"`) or disables (`"disabled"`) a voiceprint.
    fn set_status(&self, py: Python<'_>, speaker_id: String, status: &str) -> PyResult<()> {
        let status: Status = status.parse().py()?;
        let inner = self.inner.clone();
        py.detach(move || inner.set_status(&speaker_id, status))
            .py()
    }

    /// The threshold used when a call gives none.
    #[getter]
    fn threshold(&self) -> f32 {
        self.inner.threshold()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Voiceprints(model_id={:?}, speakers={}, threshold={:.3})",
            self.inner.encoder().model_id(),
            self.inner.len(),
            self.inner.threshold()
        )
    }
}
