//! Subtitles (SubRip) as diarization input: `Subtitle`, `parse_srt`,
//! `read_srt`, `subtitles_from_spans`, and the `subtitles=` argument of
//! `Diarizer.run` (a path, SRT text, `(start, end)` pairs or `Subtitle`s).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use voiceprint_core::diarization;

use crate::errors::IntoPyResult;

/// One subtitle cue: its number in the file, its times in seconds, its text.
///
/// >>> cues = voiceprint.parse_srt("1\n00:00:01,500 --> 00:00:03,000\nHello\n")
/// >>> cues[0]
/// Subtitle(index=1, start=1.500, end=3.000, text='Hello')
#[pyclass(frozen, get_all, eq, module = "voiceprint")]
#[derive(Clone, PartialEq)]
pub struct Subtitle {
    /// The cue number as written in the file (1-based by convention).
    pub index: u32,
    /// Start, seconds from the beginning of the audio.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// The text, lines joined with `\n` (markup kept); empty for spans.
    pub text: String,
}

#[pymethods]
impl Subtitle {
    #[new]
    #[pyo3(signature = (index, start, end, text=String::new()))]
    fn new(index: u32, start: f64, end: f64, text: String) -> Self {
        Subtitle {
            index,
            start,
            end,
            text,
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Subtitle(index={}, start={:.3}, end={:.3}, text={})",
            self.index,
            self.start,
            self.end,
            PyString::new(py, &self.text).repr()?
        ))
    }
}

impl From<diarization::Subtitle> for Subtitle {
    fn from(s: diarization::Subtitle) -> Self {
        Subtitle {
            index: s.index,
            start: s.start,
            end: s.end,
            text: s.text,
        }
    }
}

impl From<&Subtitle> for diarization::Subtitle {
    fn from(s: &Subtitle) -> Self {
        diarization::Subtitle {
            index: s.index,
            start: s.start,
            end: s.end,
            text: s.text.clone(),
        }
    }
}

fn to_py(cues: Vec<diarization::Subtitle>) -> Vec<Subtitle> {
    cues.into_iter().map(Subtitle::from).collect()
}

/// Parses the text of an SRT file into its cues.
///
/// >>> voiceprint.parse_srt("1\n00:00:01,500 --> 00:00:03,000\nHello\n")[0].start
/// 1.5
///
/// Raises `MalformedInputError` naming the line to fix.
#[pyfunction]
pub fn parse_srt(py: Python<'_>, text: String) -> PyResult<Vec<Subtitle>> {
    py.detach(move || diarization::parse_srt(&text))
        .py()
        .map(to_py)
}

/// Reads and parses an SRT file (UTF-8).
///
/// >>> [c.index for c in voiceprint.read_srt("film.srt")][:3]
/// [1, 2, 3]
///
/// Raises `IoError`, or `MalformedInputError` naming the line to fix.
#[pyfunction]
pub fn read_srt(py: Python<'_>, path: PathBuf) -> PyResult<Vec<Subtitle>> {
    py.detach(move || diarization::read_srt(&path))
        .py()
        .map(to_py)
}

/// Cues numbered 1..n, with empty text, from `(start, end)` pairs in seconds.
///
/// >>> voiceprint.subtitles_from_spans([(0.0, 1.5), (2.0, 4.0)])[1].index
/// 2
#[pyfunction]
pub fn subtitles_from_spans(spans: Vec<(f64, f64)>) -> PyResult<Vec<Subtitle>> {
    diarization::subtitles_from_spans(&spans).py().map(to_py)
}

/// The `subtitles=` argument of `Diarizer.run`, converted while the GIL is
/// held and turned into cues (reading or parsing) after it is released.
pub enum SubtitleSource {
    Path(PathBuf),
    Text(String),
    Spans(Vec<(f64, f64)>),
    Cues(Vec<diarization::Subtitle>),
}

impl SubtitleSource {
    /// A `str` holding `-->` is SRT text, any other `str` or an
    /// `os.PathLike` a file; a list or tuple holds `Subtitle`s or
    /// `(start, end)` pairs.
    pub fn extract(obj: &Bound<'_, PyAny>) -> PyResult<SubtitleSource> {
        if let Ok(s) = obj.cast::<PyString>() {
            let s: String = s.extract()?;
            return Ok(if s.contains("-->") {
                SubtitleSource::Text(s)
            } else {
                SubtitleSource::Path(PathBuf::from(s))
            });
        }
        if obj.hasattr("__fspath__")? {
            let p = obj.py().import("os")?.call_method1("fspath", (obj,))?;
            return Ok(SubtitleSource::Path(PathBuf::from(p.extract::<String>()?)));
        }
        if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
            let items: Vec<Bound<'_, PyAny>> = obj.extract()?;
            if items.iter().all(|i| i.cast::<Subtitle>().is_ok()) {
                let cues = items
                    .iter()
                    .map(|i| diarization::Subtitle::from(i.cast::<Subtitle>().unwrap().get()))
                    .collect();
                return Ok(SubtitleSource::Cues(cues));
            }
            let spans = items
                .iter()
                .map(|i| i.extract::<(f64, f64)>())
                .collect::<PyResult<Vec<_>>>()
                .map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(
                        "subtitles must be a list of voiceprint.Subtitle or of (start, end) pairs in seconds",
                    )
                })?;
            return Ok(SubtitleSource::Spans(spans));
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "subtitles must be an SRT path, SRT text or a list of (start, end) pairs, not {}",
            obj.get_type().name()?
        )))
    }

    /// The cues; call without the GIL (it may read a file).
    pub fn resolve(self) -> voiceprint_core::Result<Vec<diarization::Subtitle>> {
        match self {
            SubtitleSource::Path(p) => diarization::read_srt(p),
            SubtitleSource::Text(t) => diarization::parse_srt(&t),
            SubtitleSource::Spans(s) => diarization::subtitles_from_spans(&s),
            SubtitleSource::Cues(c) => Ok(c),
        }
    }
}
