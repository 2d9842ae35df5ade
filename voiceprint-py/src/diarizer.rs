//! `voiceprint.Diarizer`: who spoke when, over core's `Diarizer`. The
//! settings mirror `DiarizerConfig` (defaults taken from it, never
//! repeated here); `run` releases the GIL and takes it back only to call
//! the progress callback.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3::Borrowed;
use voiceprint_core::cluster::{ClusterMethod, SpeakerCount};
use voiceprint_core::vad::SileroVad;
use voiceprint_core::{DecodeOptions, DiarizeOptions, DiarizerConfig, SpeakerEncoder as _};

use crate::audio_input::OwnedInput;
use crate::diarization::Diarization;
use crate::encoder::SpeakerEncoder;
use crate::engine::{EnrollResult, Voiceprints};
use crate::errors::{to_py, IntoPyResult};
use crate::gender::GenderClassifier;
use crate::progress::Callback;
use crate::subtitles::SubtitleSource;

/// The `gender=` argument: `"builtin"` (the head shipped for the encoder's
/// model, if any), None (no gender), or a `GenderClassifier`.
pub enum GenderChoice {
    Builtin,
    Off,
    Head(Py<GenderClassifier>),
}

impl<'a, 'py> FromPyObject<'a, 'py> for GenderChoice {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(GenderChoice::Off);
        }
        if let Ok(head) = obj.cast::<GenderClassifier>() {
            return Ok(GenderChoice::Head(head.to_owned().unbind()));
        }
        if let Ok(name) = obj.extract::<String>() {
            if name == "builtin" {
                return Ok(GenderChoice::Builtin);
            }
        }
        Err(pyo3::exceptions::PyTypeError::new_err(
            "gender must be \"builtin\", None or a voiceprint.GenderClassifier",
        ))
    }
}

/// The `extend_margin_db=` argument: left out (core's default), None (keep
/// the VAD's edges), or a margin in dB.
pub enum EdgeMargin {
    Default,
    Off,
    Db(f32),
}

impl<'a, 'py> FromPyObject<'a, 'py> for EdgeMargin {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(EdgeMargin::Off);
        }
        Ok(EdgeMargin::Db(obj.extract()?))
    }
}

/// A speaker count from Python: None, or an int of at least 0 (zero is
/// refused by core with its own message).
fn count(name: &'static str, v: Option<i64>) -> PyResult<Option<usize>> {
    v.map(|n| {
        usize::try_from(n).map_err(|_| {
            to_py(voiceprint_core::Error::invalid_argument(
                name,
                format!("{n}; give a number of speakers of at least 1"),
            ))
        })
    })
    .transpose()
}

/// Who spoke when: diarizes audio of any length, with or without
/// subtitles, and names the speakers it knows.
///
/// >>> diarizer = voiceprint.Diarizer(enc, "models/silero_vad.onnx")
/// >>> [(s.start, s.end, s.speaker) for s in diarizer.run("meeting.wav").segments][:1]
/// [(0.42, 1.43, 'SPEAKER_00')]
///
/// `vad` is the path of the Silero VAD model. `known` (a `Voiceprints` of
/// the same model) names clusters after enrolled voices. `gender` is
/// `"builtin"` (the head shipped for the encoder's model, none for models
/// without one), None, or a `GenderClassifier` (copied). The other keyword
/// arguments are `DiarizerConfig`'s fields; left out, each takes core's
/// default (see the `config` property). `extend_margin_db=None` keeps the
/// VAD's turn edges. Safe to share between threads; the GIL is released
/// while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct Diarizer {
    inner: Arc<voiceprint_core::Diarizer>,
    known: Option<Py<Voiceprints>>,
    gender: Option<voiceprint_core::GenderClassifier>,
}

#[pymethods]
impl Diarizer {
    #[new]
    #[pyo3(signature = (
        encoder, vad, *, known=None, gender=GenderChoice::Builtin, method=None, threshold=None,
        window_seconds=None, hop_seconds=None, p_percentile=None, max_auto_speakers=None,
        bridge_seconds=None, extend_margin_db=EdgeMargin::Default, max_extend_seconds=None,
        noise_floor_percentile=None, known_threshold=None,
        speaker_seconds=None, vad_threshold=None, vad_neg_threshold=None, min_speech_ms=None,
        min_silence_ms=None, speech_pad_ms=None, max_bytes=None, max_seconds=None
    ), text_signature = "(encoder, vad, *, known=None, gender='builtin', method=None, threshold=None, \
        window_seconds=None, hop_seconds=None, p_percentile=None, max_auto_speakers=None, \
        bridge_seconds=None, extend_margin_db=<core default>, max_extend_seconds=None, \
        noise_floor_percentile=None, known_threshold=None, \
        speaker_seconds=None, vad_threshold=None, vad_neg_threshold=None, min_speech_ms=None, \
        min_silence_ms=None, speech_pad_ms=None, max_bytes=None, max_seconds=None)")]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        encoder: &SpeakerEncoder,
        vad: PathBuf,
        known: Option<Py<Voiceprints>>,
        gender: GenderChoice,
        method: Option<&str>,
        threshold: Option<f32>,
        window_seconds: Option<f32>,
        hop_seconds: Option<f32>,
        p_percentile: Option<f32>,
        max_auto_speakers: Option<usize>,
        bridge_seconds: Option<f32>,
        extend_margin_db: EdgeMargin,
        max_extend_seconds: Option<f32>,
        noise_floor_percentile: Option<f32>,
        known_threshold: Option<f32>,
        speaker_seconds: Option<f32>,
        vad_threshold: Option<f32>,
        vad_neg_threshold: Option<f32>,
        min_speech_ms: Option<u32>,
        min_silence_ms: Option<u32>,
        speech_pad_ms: Option<u32>,
        max_bytes: Option<u64>,
        max_seconds: Option<f32>,
    ) -> PyResult<Self> {
        let d = DiarizerConfig::default();
        let config = DiarizerConfig {
            vad: voiceprint_core::vad::VadOptions {
                threshold: vad_threshold.unwrap_or(d.vad.threshold),
                neg_threshold: vad_neg_threshold.or(d.vad.neg_threshold),
                min_speech_ms: min_speech_ms.unwrap_or(d.vad.min_speech_ms),
                min_silence_ms: min_silence_ms.unwrap_or(d.vad.min_silence_ms),
                speech_pad_ms: speech_pad_ms.unwrap_or(d.vad.speech_pad_ms),
                ..d.vad
            },
            window_seconds: window_seconds.unwrap_or(d.window_seconds),
            hop_seconds: hop_seconds.unwrap_or(d.hop_seconds),
            cluster: voiceprint_core::cluster::ClusterOptions {
                method: match method {
                    Some(m) => ClusterMethod::from_name(m).py()?,
                    None => d.cluster.method,
                },
                threshold: threshold.unwrap_or(d.cluster.threshold),
                p_percentile: p_percentile.unwrap_or(d.cluster.p_percentile),
                max_auto_speakers: max_auto_speakers.unwrap_or(d.cluster.max_auto_speakers),
                ..d.cluster
            },
            bridge_seconds: bridge_seconds.unwrap_or(d.bridge_seconds),
            extend_margin_db: match extend_margin_db {
                EdgeMargin::Default => d.extend_margin_db,
                EdgeMargin::Off => None,
                EdgeMargin::Db(m) => Some(m),
            },
            max_extend_seconds: max_extend_seconds.unwrap_or(d.max_extend_seconds),
            noise_floor_percentile: noise_floor_percentile.unwrap_or(d.noise_floor_percentile),
            known_threshold: known_threshold.or(d.known_threshold),
            speaker_seconds: speaker_seconds.unwrap_or(d.speaker_seconds),
            decode: DecodeOptions {
                max_bytes: max_bytes.unwrap_or(d.decode.max_bytes),
                max_seconds: max_seconds.unwrap_or(d.decode.max_seconds),
            },
        };
        let rt = crate::runtime::config(py, "cpu", 1, None)?;
        let vad = Arc::new(py.detach(|| SileroVad::load(&vad, &rt)).py()?);
        let mut diarizer =
            voiceprint_core::Diarizer::with_config(encoder.inner.clone(), vad, config).py()?;
        if let Some(k) = &known {
            diarizer = diarizer.with_known(k.get().inner.clone()).py()?;
        }
        let gender = match gender {
            GenderChoice::Builtin => {
                let head = voiceprint_core::GenderClassifier::builtin(encoder.inner.model_id());
                diarizer = diarizer.with_gender(head.clone()).py()?;
                head
            }
            GenderChoice::Off => {
                diarizer = diarizer.with_gender(None).py()?;
                None
            }
            GenderChoice::Head(h) => {
                let head = h.get().snapshot();
                diarizer = diarizer.with_gender(Some(head.clone())).py()?;
                Some(head)
            }
        };
        Ok(Diarizer {
            inner: Arc::new(diarizer),
            known,
            gender,
        })
    }

    /// Diarizes `audio` (a path, bytes, or a numpy array with `sample_rate=`).
    ///
    /// >>> result = diarizer.run("meeting.wav", max_speakers=4, progress=lambda f: print(f"{f:.0%}"))
    ///
    /// `subtitles`: an SRT path, SRT text (a `str` with `-->`), or a list
    /// of `Subtitle`s or `(start, end)` pairs; each line then becomes one
    /// segment with its `subtitle_index` (lines without speech are left out).
    /// `num_speakers` fixes the count; `min_speakers` / `max_speakers`
    /// bound it. `progress(fraction)` is called from 0 to 1; returning
    /// False cancels with `CancelledError`, and an exception it raises
    /// stops the run and is re-raised. Silence gives an empty result.
    #[pyo3(signature = (audio, subtitles=None, num_speakers=None, min_speakers=None, max_speakers=None, progress=None, sample_rate=None))]
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        py: Python<'_>,
        audio: &Bound<'_, PyAny>,
        subtitles: Option<&Bound<'_, PyAny>>,
        num_speakers: Option<i64>,
        min_speakers: Option<i64>,
        max_speakers: Option<i64>,
        progress: Option<Py<PyAny>>,
        sample_rate: Option<u32>,
    ) -> PyResult<Diarization> {
        let count = SpeakerCount {
            exact: count("num_speakers", num_speakers)?,
            min: count("min_speakers", min_speakers)?,
            max: count("max_speakers", max_speakers)?,
        };
        let callback = Callback::new(py, progress)?;
        let input = OwnedInput::extract(audio, sample_rate)?;
        let subtitles = subtitles.map(SubtitleSource::extract).transpose()?;
        let inner = self.inner.clone();
        let result = py.detach(|| {
            let cues = subtitles.map(SubtitleSource::resolve).transpose()?;
            let report = |f: f32| callback.report(f);
            inner.run(
                input.as_input(),
                &DiarizeOptions {
                    count,
                    subtitles: cues.as_deref(),
                    progress: Some(&report),
                },
            )
        });
        if let Some(e) = callback.into_error() {
            return Err(e);
        }
        Diarization::new(py, result.py()?)
    }

    /// Enrols speaker `label` of `result` (its centroid) in the `known`
    /// voices under `id`, so that later runs name it.
    ///
    /// >>> diarizer.enroll_cluster(result, "SPEAKER_01", "alice").enrollment_count
    /// 1
    ///
    /// Raises `InvalidArgumentError` without `known=`, `SpeakerNotFoundError`
    /// for a label not in `result`.
    fn enroll_cluster(
        &self,
        py: Python<'_>,
        result: &Diarization,
        label: String,
        id: String,
    ) -> PyResult<EnrollResult> {
        let inner = self.inner.clone();
        let out = py
            .detach(|| inner.enroll_cluster(&result.inner, &label, &id))
            .py()?;
        Ok(EnrollResult {
            speaker_id: out.id,
            enrollment_count: out.enrollment_count,
            updated: out.updated,
        })
    }

    /// The settings in use, as keyword arguments of the constructor.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.inner.config();
        let d = PyDict::new(py);
        d.set_item("method", c.cluster.method.as_str())?;
        d.set_item("threshold", c.cluster.threshold)?;
        d.set_item("window_seconds", c.window_seconds)?;
        d.set_item("hop_seconds", c.hop_seconds)?;
        d.set_item("p_percentile", c.cluster.p_percentile)?;
        d.set_item("max_auto_speakers", c.cluster.max_auto_speakers)?;
        d.set_item("bridge_seconds", c.bridge_seconds)?;
        d.set_item("extend_margin_db", c.extend_margin_db)?;
        d.set_item("max_extend_seconds", c.max_extend_seconds)?;
        d.set_item("noise_floor_percentile", c.noise_floor_percentile)?;
        d.set_item("known_threshold", c.known_threshold)?;
        d.set_item("speaker_seconds", c.speaker_seconds)?;
        d.set_item("vad_threshold", c.vad.threshold)?;
        d.set_item("vad_neg_threshold", c.vad.neg_threshold)?;
        d.set_item("min_speech_ms", c.vad.min_speech_ms)?;
        d.set_item("min_silence_ms", c.vad.min_silence_ms)?;
        d.set_item("speech_pad_ms", c.vad.speech_pad_ms)?;
        d.set_item("max_bytes", c.decode.max_bytes)?;
        d.set_item("max_seconds", c.decode.max_seconds)?;
        Ok(d)
    }

    /// The known voices, or None.
    #[getter]
    fn known(&self, py: Python<'_>) -> Option<Py<Voiceprints>> {
        self.known.as_ref().map(|k| k.clone_ref(py))
    }

    /// A copy of the gender classifier in use, or None (changing it does
    /// not change the diarizer).
    #[getter]
    fn gender(&self) -> Option<GenderClassifier> {
        self.gender.clone().map(GenderClassifier::from)
    }

    /// The speaker model's id.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.encoder().model_id().to_string()
    }

    fn __repr__(&self) -> String {
        let c = self.inner.config();
        format!(
            "Diarizer(model_id={:?}, method={:?}, threshold={:.3}, known={}, gender={})",
            self.inner.encoder().model_id(),
            c.cluster.method.as_str(),
            c.cluster.threshold,
            self.inner
                .known()
                .map_or("None".into(), |k| k.len().to_string()),
            if self.gender.is_some() {
                "True"
            } else {
                "False"
            }
        )
    }
}
