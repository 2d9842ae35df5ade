//! The `voiceprint` Python module: classes that wrap voiceprint-core's types
//! one to one. Each method converts its arguments, releases the GIL while
//! core works, and converts the result or the error; no logic lives here.

use pyo3::prelude::*;

mod audio;
mod audio_input;
mod diarization;
mod diarizer;
mod encoder;
mod engine;
mod errors;
mod gender;
mod image_encoder;
mod image_index;
mod image_input;
mod image_profile;
mod progress;
mod runtime;
mod score;
mod store;
mod style;
mod subtitles;
mod vectors;

#[pymodule]
fn _voiceprint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<encoder::SpeakerEncoder>()?;
    m.add_class::<store::Store>()?;
    m.add_class::<store::HnswOptions>()?;
    m.add_class::<engine::Voiceprints>()?;
    m.add_class::<engine::VerifyResult>()?;
    m.add_class::<engine::Match>()?;
    m.add_class::<engine::Identification>()?;
    m.add_class::<engine::EnrollResult>()?;
    m.add_class::<engine::SpeakerInfo>()?;
    m.add_function(wrap_pyfunction!(score::cosine, m)?)?;
    m.add_function(wrap_pyfunction!(audio::decode, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::onnxruntime_info, m)?)?;
    m.add_class::<image_encoder::ImageEncoder>()?;
    m.add_class::<image_index::ImageIndex>()?;
    m.add_class::<image_index::ImageMatch>()?;
    m.add_class::<image_index::ImageRecord>()?;
    m.add_function(wrap_pyfunction!(image_profile::image_profile, m)?)?;
    m.add_class::<diarizer::Diarizer>()?;
    m.add_class::<diarization::Diarization>()?;
    m.add_class::<diarization::Segment>()?;
    m.add_class::<diarization::Speaker>()?;
    m.add_class::<diarization::KnownVoice>()?;
    m.add_class::<diarization::DerReport>()?;
    m.add_function(wrap_pyfunction!(diarization::diarization_error_rate, m)?)?;
    m.add_class::<gender::GenderClassifier>()?;
    m.add_class::<gender::GenderPrediction>()?;
    m.add_class::<subtitles::Subtitle>()?;
    m.add_function(wrap_pyfunction!(subtitles::parse_srt, m)?)?;
    m.add_function(wrap_pyfunction!(subtitles::read_srt, m)?)?;
    m.add_function(wrap_pyfunction!(subtitles::subtitles_from_spans, m)?)?;
    m.add_class::<style::StyleMatcher>()?;
    m.add_class::<style::StyleAnalysis>()?;
    m.add_class::<style::StyleComparison>()?;
    m.add_class::<style::Overload>()?;
    m.add_class::<style::StyleIndex>()?;
    m.add_class::<style::StyleMatch>()?;
    m.add_function(wrap_pyfunction!(style::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(style::log_mel_spectrogram, m)?)?;
    m.add_function(wrap_pyfunction!(style::third_octave_bands, m)?)?;
    Ok(())
}
