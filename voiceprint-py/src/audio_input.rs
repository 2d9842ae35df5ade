//! Python audio arguments: `str | os.PathLike` (a file), `bytes` (an encoded
//! file), or a numpy array of float32 / float64 / int16 samples, 1-D mono or
//! 2-D `[samples, channels]`, with `sample_rate=`.

use std::path::PathBuf;

use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use voiceprint_core::{Audio, AudioInput};

use crate::errors::{IntoPyResult, InvalidArgumentError};

/// An argument converted while the GIL is held, so core can run without it.
pub enum OwnedInput {
    Path(PathBuf),
    Bytes(Vec<u8>),
    Audio(Audio),
}

impl OwnedInput {
    pub fn as_input(&self) -> AudioInput<'_> {
        match self {
            OwnedInput::Path(p) => AudioInput::Path(p),
            OwnedInput::Bytes(b) => AudioInput::Bytes(b),
            OwnedInput::Audio(a) => AudioInput::Audio(a),
        }
    }

    pub fn extract(obj: &Bound<'_, PyAny>, sample_rate: Option<u32>) -> PyResult<OwnedInput> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(OwnedInput::Path(PathBuf::from(s.extract::<String>()?)));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(OwnedInput::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(OwnedInput::Bytes(b.to_vec()));
        }
        if obj.hasattr("__fspath__")? {
            let p = obj.py().import("os")?.call_method1("fspath", (obj,))?;
            return Ok(OwnedInput::Path(PathBuf::from(p.extract::<String>()?)));
        }
        if obj.hasattr("__array_interface__")? || obj.hasattr("__array__")? {
            return array_to_audio(obj, sample_rate).map(OwnedInput::Audio);
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "audio must be a path, bytes or a numpy array, not {}",
            obj.get_type().name()?
        )))
    }

    /// One or many inputs: a list/tuple of inputs, or a single one.
    pub fn extract_many(
        obj: &Bound<'_, PyAny>,
        sample_rate: Option<u32>,
    ) -> PyResult<Vec<OwnedInput>> {
        if obj.cast::<pyo3::types::PyList>().is_ok() || obj.cast::<pyo3::types::PyTuple>().is_ok() {
            obj.try_iter()?
                .map(|item| OwnedInput::extract(&item?, sample_rate))
                .collect()
        } else {
            Ok(vec![OwnedInput::extract(obj, sample_rate)?])
        }
    }
}

fn shape_to_channels(shape: &[usize]) -> PyResult<u16> {
    match shape {
        [_] => Ok(1),
        [_, c] => u16::try_from(*c).map_err(|_| InvalidArgumentError::new_err("too many channels")),
        _ => Err(InvalidArgumentError::new_err(format!(
            "audio arrays are 1-D (mono) or 2-D [samples, channels], got shape {shape:?}"
        ))),
    }
}

fn array_to_audio(obj: &Bound<'_, PyAny>, sample_rate: Option<u32>) -> PyResult<Audio> {
    let rate = sample_rate.ok_or_else(|| {
        InvalidArgumentError::new_err("sample_rate= is required when audio is a numpy array")
    })?;
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f32>>() {
        let ch = shape_to_channels(a.shape())?;
        let v: Vec<f32> = a.as_array().iter().copied().collect();
        return Audio::from_pcm_f32(&v, rate, ch).py();
    }
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f64>>() {
        let ch = shape_to_channels(a.shape())?;
        let v: Vec<f32> = a.as_array().iter().map(|&x| x as f32).collect();
        return Audio::from_pcm_f32(&v, rate, ch).py();
    }
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, i16>>() {
        let ch = shape_to_channels(a.shape())?;
        let v: Vec<i16> = a.as_array().iter().copied().collect();
        return Audio::from_pcm_i16(&v, rate, ch).py();
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "audio arrays must be numpy float32, float64 or int16",
    ))
}
