//! The result of a diarization (`Diarization`, `Segment`, `Speaker`,
//! `KnownVoice`), read and written as RTTM and JSON, and the diarization
//! error rate (`diarization_error_rate`, `DerReport`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use voiceprint_core::diarization::{self as core, RttmTurn};

use crate::errors::{IntoPyResult, InvalidArgumentError};

/// One stretch of speech attributed to one speaker.
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct Segment {
    /// Start, seconds from the beginning of the audio.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// `SPEAKER_00`, ... or the known voice's id.
    pub speaker: String,
    /// How sure the assignment is, in [0, 1].
    pub confidence: f32,
    /// In subtitle mode, the cue number of the line this segment is; else None.
    pub subtitle_index: Option<u32>,
}

#[pymethods]
impl Segment {
    /// Length in seconds.
    #[getter]
    fn duration(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }

    fn __repr__(&self) -> String {
        let sub = self
            .subtitle_index
            .map_or(String::new(), |i| format!(", subtitle_index={i}"));
        format!(
            "Segment(start={:.3}, end={:.3}, speaker={:?}, confidence={:.3}{sub})",
            self.start, self.end, self.speaker, self.confidence
        )
    }
}

/// A speaker matched to an enrolled voice: its id and the cosine score.
#[pyclass(frozen, get_all, module = "voiceprint")]
#[derive(Clone)]
pub struct KnownVoice {
    /// The enrolled speaker's id.
    pub id: String,
    /// Cosine similarity of the speaker's centroid to that voiceprint.
    pub score: f32,
}

#[pymethods]
impl KnownVoice {
    fn __repr__(&self) -> String {
        format!("KnownVoice(id={:?}, score={:.4})", self.id, self.score)
    }
}

impl From<core::KnownVoice> for KnownVoice {
    fn from(k: core::KnownVoice) -> Self {
        KnownVoice {
            id: k.id,
            score: k.score,
        }
    }
}

/// One speaker of a diarization.
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct Speaker {
    /// The label its segments carry.
    pub label: String,
    /// Seconds of speech attributed to it.
    pub speech_seconds: f64,
    /// Number of turns.
    pub turns: u32,
    /// Its voiceprint: the unit mean of its windows (float32).
    pub centroid: Py<PyArray1<f32>>,
    /// `"female"`, `"male"`, `"unknown"`, or None without a gender classifier.
    pub gender: Option<String>,
    /// P(female), or None without a gender classifier.
    pub female_probability: Option<f32>,
    /// Median F0 of its voiced frames, Hz (None when too little was voiced).
    pub median_f0_hz: Option<f32>,
    /// The enrolled voice it was matched to, or None ("unknown").
    pub known: Option<KnownVoice>,
    /// The best-scoring enrolled voice even below the threshold, or None
    /// when the diarizer has no known voices.
    pub best_candidate: Option<KnownVoice>,
}

#[pymethods]
impl Speaker {
    fn __repr__(&self) -> String {
        let opt = |v: &Option<String>| v.as_ref().map_or("None".into(), |g| format!("{g:?}"));
        let known = self
            .known
            .as_ref()
            .map_or("None".into(), KnownVoice::__repr__);
        format!(
            "Speaker(label={:?}, speech_seconds={:.2}, turns={}, gender={}, known={known})",
            self.label,
            self.speech_seconds,
            self.turns,
            opt(&self.gender)
        )
    }
}

/// Who spoke when: the result of `Diarizer.run`.
///
/// >>> result = diarizer.run("meeting.wav")
/// >>> [(s.start, s.end, s.speaker) for s in result.segments][:1]
/// [(0.42, 1.43, 'SPEAKER_00')]
///
/// Written as RTTM (`to_rttm`, `write_rttm`) or JSON (`to_json`, read back
/// with `Diarization.from_json`).
#[pyclass(frozen, module = "voiceprint")]
pub struct Diarization {
    pub inner: core::Diarization,
    segments: Vec<Py<Segment>>,
    speakers: Vec<Py<Speaker>>,
}

impl Diarization {
    /// Wraps a core result, building its Python segments and speakers once.
    pub fn new(py: Python<'_>, inner: core::Diarization) -> PyResult<Self> {
        let segments = inner
            .segments
            .iter()
            .map(|s| {
                Py::new(
                    py,
                    Segment {
                        start: s.start,
                        end: s.end,
                        speaker: s.speaker.clone(),
                        confidence: s.confidence,
                        subtitle_index: s.subtitle_index,
                    },
                )
            })
            .collect::<PyResult<_>>()?;
        let speakers = inner
            .speakers
            .iter()
            .map(|s| {
                Py::new(
                    py,
                    Speaker {
                        label: s.label.clone(),
                        speech_seconds: s.speech_seconds,
                        turns: s.turns,
                        centroid: PyArray1::from_slice(py, &s.centroid).unbind(),
                        gender: s.gender.map(|g| g.as_str().to_string()),
                        female_probability: s.female_probability,
                        median_f0_hz: s.median_f0_hz,
                        known: s.known.clone().map(Into::into),
                        best_candidate: s.best_candidate.clone().map(Into::into),
                    },
                )
            })
            .collect::<PyResult<_>>()?;
        Ok(Diarization {
            inner,
            segments,
            speakers,
        })
    }
}

#[pymethods]
impl Diarization {
    /// Reads a result written by `to_json`; `MalformedInputError` names the line.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<Self> {
        let inner = py
            .detach(move || core::Diarization::from_json(&text))
            .py()?;
        Diarization::new(py, inner)
    }

    /// Length of the audio, seconds.
    #[getter]
    fn duration(&self) -> f64 {
        self.inner.duration
    }

    /// Seconds the voice activity detector found to be speech.
    #[getter]
    fn speech_seconds(&self) -> f64 {
        self.inner.speech_seconds
    }

    /// Segments in time order (two speakers may overlap).
    #[getter]
    fn segments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.segments.iter().map(|s| s.clone_ref(py)))
    }

    /// Speakers in order of first speech.
    #[getter]
    fn speakers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.speakers.iter().map(|s| s.clone_ref(py)))
    }

    /// The model id of the centroids.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id.clone()
    }

    /// Number of speakers found.
    #[getter]
    fn num_speakers(&self) -> usize {
        self.inner.num_speakers()
    }

    /// True when no speech was found (silence gives an empty result).
    #[getter]
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The speaker with this label, or None.
    fn speaker(&self, py: Python<'_>, label: &str) -> Option<Py<Speaker>> {
        self.inner
            .speakers
            .iter()
            .position(|s| s.label == label)
            .map(|i| self.speakers[i].clone_ref(py))
    }

    /// The segments as RTTM, one `SPEAKER` line each (times to the millisecond).
    #[pyo3(signature = (file_id="audio"))]
    fn to_rttm(&self, file_id: &str) -> PyResult<String> {
        self.inner.to_rttm(file_id).py()
    }

    /// Writes `to_rttm` to a file (replacing it).
    #[pyo3(signature = (path, file_id="audio"))]
    fn write_rttm(&self, py: Python<'_>, path: PathBuf, file_id: &str) -> PyResult<()> {
        py.detach(|| self.inner.write_rttm(&path, file_id)).py()
    }

    /// The whole result (segments, speakers with their centroids) as JSON.
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().py()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Diarization>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Diarization(duration={:.2}, speech_seconds={:.2}, speakers={}, segments={}, model_id={:?})",
            self.inner.duration,
            self.inner.speech_seconds,
            self.inner.speakers.len(),
            self.inner.segments.len(),
            self.inner.model_id
        )
    }
}

/// The diarization error rate of one file and what it is made of (seconds).
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct DerReport {
    /// (missed_detection + false_alarm + confusion) / total.
    pub der: f64,
    /// Reference speech in the scored region, once per speaker.
    pub total: f64,
    /// Reference speech given to the mapped hypothesis speaker.
    pub correct: f64,
    /// Reference speech with no hypothesis speaker.
    pub missed_detection: f64,
    /// Hypothesis speech with no reference speaker.
    pub false_alarm: f64,
    /// Reference speech given to another speaker.
    pub confusion: f64,
    /// Hypothesis label -> the reference label it was mapped to.
    pub mapping: BTreeMap<String, String>,
    /// Distinct reference speakers.
    pub reference_speakers: usize,
    /// Distinct hypothesis speakers.
    pub hypothesis_speakers: usize,
}

#[pymethods]
impl DerReport {
    /// Whether the hypothesis has as many speakers as the reference.
    #[getter]
    fn speaker_count_correct(&self) -> bool {
        self.reference_speakers == self.hypothesis_speakers
    }

    fn __repr__(&self) -> String {
        format!(
            "DerReport(der={:.4}, missed_detection={:.3}, false_alarm={:.3}, confusion={:.3}, total={:.3}, mapping={:?})",
            self.der, self.missed_detection, self.false_alarm, self.confusion, self.total, self.mapping
        )
    }
}

/// Turns of one side of `diarization_error_rate`: RTTM text or a file, a
/// `Diarization`, or a sequence of `Segment`s / `(start, end, speaker)`.
fn turns(
    py: Python<'_>,
    side: &'static str,
    obj: &Bound<'_, PyAny>,
    file_id: Option<&str>,
) -> PyResult<Vec<(f64, f64, String)>> {
    if let Ok(d) = obj.cast::<Diarization>() {
        return Ok(d
            .get()
            .inner
            .segments
            .iter()
            .map(|s| (s.start, s.end, s.speaker.clone()))
            .collect());
    }
    let rttm = if let Ok(s) = obj.cast::<PyString>() {
        let s: String = s.extract()?;
        // One line naming an .rttm or an existing file is a path; anything
        // else is RTTM text.
        let is_path = !s.contains('\n')
            && (s.trim_end().ends_with(".rttm") || std::path::Path::new(&s).is_file());
        Some(if is_path {
            py.detach(|| core::read_rttm(&s)).py()?
        } else {
            py.detach(|| core::parse_rttm(&s)).py()?
        })
    } else if obj.hasattr("__fspath__")? {
        let p: PathBuf = obj.extract()?;
        Some(py.detach(|| core::read_rttm(&p)).py()?)
    } else {
        None
    };
    if let Some(rttm) = rttm {
        return one_file(side, rttm, file_id);
    }
    obj.try_iter()?
        .map(|item| {
            let item = item?;
            if let Ok(s) = item.cast::<Segment>() {
                let s = s.get();
                return Ok((s.start, s.end, s.speaker.clone()));
            }
            item.extract::<(f64, f64, String)>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "{side} must be RTTM text or a path, a Diarization, or a sequence of \
                     Segment / (start, end, speaker)"
                ))
            })
        })
        .collect()
}

/// The turns of one recording of an RTTM file: `file_id`'s, or the only one's.
fn one_file(
    side: &'static str,
    rttm: Vec<RttmTurn>,
    file_id: Option<&str>,
) -> PyResult<Vec<(f64, f64, String)>> {
    let mut files = core::turns_by_file(rttm);
    let turns = match file_id {
        Some(id) => files.remove(id).unwrap_or_default(),
        None if files.len() <= 1 => files.into_values().next().unwrap_or_default(),
        None => {
            let ids: Vec<&String> = files.keys().collect();
            return Err(InvalidArgumentError::new_err(format!(
                "invalid argument `{side}`: the RTTM holds {} recordings ({ids:?}); \
                 pass file_id= to score one",
                ids.len()
            )));
        }
    };
    Ok(turns
        .into_iter()
        .map(|t| (t.start, t.end, t.speaker))
        .collect())
}

/// The diarization error rate of `hypothesis` against `reference`, as
/// pyannote.metrics' `DiarizationErrorRate(collar=collar)` computes it.
///
/// >>> r = voiceprint.diarization_error_rate("conv09.rttm", result, collar=0.5)
/// >>> r.der, r.mapping
/// (0.031, {'SPEAKER_00': '8226', 'SPEAKER_01': '6415'})
///
/// Each side is RTTM text, an RTTM path, a `Diarization`, or a sequence of
/// `Segment`s or `(start, end, speaker)` triples; `file_id` picks one
/// recording of a multi-file RTTM. `collar` is the total width forgiven
/// around each reference boundary (0.5 forgives ±0.25 s).
#[pyfunction]
#[pyo3(signature = (reference, hypothesis, collar=0.0, *, file_id=None))]
pub fn diarization_error_rate(
    py: Python<'_>,
    reference: &Bound<'_, PyAny>,
    hypothesis: &Bound<'_, PyAny>,
    collar: f64,
    file_id: Option<&str>,
) -> PyResult<DerReport> {
    let reference = turns(py, "reference", reference, file_id)?;
    let hypothesis = turns(py, "hypothesis", hypothesis, file_id)?;
    let r = py
        .detach(|| core::diarization_error_rate(&reference, &hypothesis, collar))
        .py()?;
    let c = r.components;
    Ok(DerReport {
        der: c.der(),
        total: c.total,
        correct: c.correct,
        missed_detection: c.missed_detection,
        false_alarm: c.false_alarm,
        confusion: c.confusion,
        mapping: r.mapping,
        reference_speakers: r.reference_speakers,
        hypothesis_speakers: r.hypothesis_speakers,
    })
}
