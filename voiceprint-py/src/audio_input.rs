//! Python audio arguments: `str | os.PathLike` (a file), `bytes` (an encoded
//! file), or a numpy array of float32 / float64 / int16 samples, 1-D mono or
//! 2-D `[samples, channels]`, with `sample_rate=`. [`OwnedInput`] is the
//! mono path of the speaker models; [`OwnedChannels`] keeps every channel
//! for the style measurements.

use std::path::PathBuf;

use numpy::ndarray::{ArrayViewD, Axis};
use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use voiceprint_core::audio::MultichannelAudio;
use voiceprint_core::{Audio, AudioInput, StyleInput};

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
        Ok(match Encoded::extract(obj)? {
            Encoded::Path(p) => OwnedInput::Path(p),
            Encoded::Bytes(b) => OwnedInput::Bytes(b),
            Encoded::Array => OwnedInput::Audio(array_to_audio(obj, sample_rate)?),
        })
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

/// A file argument (path or bytes), or an array left for the caller.
enum Encoded {
    Path(PathBuf),
    Bytes(Vec<u8>),
    Array,
}

impl Encoded {
    fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Encoded> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Encoded::Path(PathBuf::from(s.extract::<String>()?)));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Encoded::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Encoded::Bytes(b.to_vec()));
        }
        if obj.hasattr("__fspath__")? {
            let p = obj.py().import("os")?.call_method1("fspath", (obj,))?;
            return Ok(Encoded::Path(PathBuf::from(p.extract::<String>()?)));
        }
        if obj.hasattr("__array_interface__")? || obj.hasattr("__array__")? {
            return Ok(Encoded::Array);
        }
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "audio must be a path, bytes or a numpy array, not {}",
            obj.get_type().name()?
        )))
    }
}

/// An argument of the style path, converted while the GIL is held: every
/// channel at its own rate, as core's `StyleInput` wants it.
pub enum OwnedChannels {
    Path(PathBuf),
    Bytes(Vec<u8>),
    Audio(MultichannelAudio),
}

impl OwnedChannels {
    pub fn as_input(&self) -> StyleInput<'_> {
        match self {
            OwnedChannels::Path(p) => StyleInput::Path(p),
            OwnedChannels::Bytes(b) => StyleInput::Bytes(b),
            OwnedChannels::Audio(a) => StyleInput::Audio(a),
        }
    }

    /// A path, bytes, or a float32 / float64 array, 1-D (mono) or 2-D
    /// `[frames, channels]` in the usual layout for the count (mono to 7.1;
    /// more is `UnsupportedFormatError`), with `sample_rate`.
    pub fn extract(obj: &Bound<'_, PyAny>, sample_rate: Option<u32>) -> PyResult<OwnedChannels> {
        Ok(match Encoded::extract(obj)? {
            Encoded::Path(p) => OwnedChannels::Path(p),
            Encoded::Bytes(b) => OwnedChannels::Bytes(b),
            Encoded::Array => OwnedChannels::Audio(array_to_channels(obj, sample_rate)?),
        })
    }
}

/// The planes of a 1-D or 2-D `[frames, channels]` array.
fn planes<T: Copy>(a: ArrayViewD<'_, T>, to_f32: impl Fn(T) -> f32) -> PyResult<Vec<Vec<f32>>> {
    match a.ndim() {
        1 => Ok(vec![a.iter().map(|&x| to_f32(x)).collect()]),
        2 => Ok(a
            .axis_iter(Axis(1))
            .map(|c| c.iter().map(|&x| to_f32(x)).collect())
            .collect()),
        _ => Err(InvalidArgumentError::new_err(format!(
            "audio arrays are 1-D (mono) or 2-D [frames, channels], got shape {:?}",
            a.shape()
        ))),
    }
}

fn array_to_channels(
    obj: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
) -> PyResult<MultichannelAudio> {
    let rate = sample_rate.ok_or_else(|| {
        InvalidArgumentError::new_err("sample_rate= is required when audio is a numpy array")
    })?;
    let planes = if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f32>>() {
        planes(a.as_array(), |x| x)?
    } else if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f64>>() {
        planes(a.as_array(), |x| x as f32)?
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "style audio arrays must be numpy float32 or float64 (full scale is 1.0)",
        ));
    };
    MultichannelAudio::from_planar(planes, rate).py()
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
