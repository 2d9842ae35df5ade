//! `voiceprint.decode`: core's audio layer (decode, downmix, resample) for
//! callers that need the samples themselves, e.g. to cut or inspect a clip.

use numpy::PyArray1;
use pyo3::prelude::*;
use voiceprint_core::DecodeOptions;

use crate::audio_input::OwnedInput;
use crate::errors::IntoPyResult;

/// Decodes audio to mono float32 samples: `(samples, sample_rate)`.
///
/// >>> samples, rate = voiceprint.decode("speech.flac", resample_to=16000)
/// >>> samples.dtype, rate
/// (dtype('float32'), 16000)
///
/// `audio` is a path, the bytes of a WAV/FLAC/MP3/OGG/M4A file, or a numpy
/// array with `sample_rate=`; several channels are averaged to mono. With
/// `resample_to=` the samples are resampled to that rate, as the encoders do.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, resample_to=None))]
pub fn decode<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    sample_rate: Option<u32>,
    resample_to: Option<u32>,
) -> PyResult<(Bound<'py, PyArray1<f32>>, u32)> {
    let input = OwnedInput::extract(audio, sample_rate)?;
    let decoded = py
        .detach(move || {
            let input = input.as_input();
            let audio = input.decode(&DecodeOptions::default())?;
            match resample_to {
                Some(rate) => audio.resample(rate),
                None => Ok(audio.into_owned()),
            }
        })
        .py()?;
    let rate = decoded.sample_rate();
    Ok((PyArray1::from_vec(py, decoded.into_samples()), rate))
}
