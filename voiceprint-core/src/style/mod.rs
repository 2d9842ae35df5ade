//! Mix and master style: what a mastering engineer's meter and a music-ML
//! metric library measure, as pure functions on [`MultichannelAudio`].
//!
//! | figure | function |
//! | --- | --- |
//! | integrated, momentary / short-term max loudness, LRA, sample and true peak, overloads (EBU R128, BS.1770-4, Tech 3342) | [`measure_loudness`] |
//! | crest factor, PLR, correlation, side-to-mid ratio | [`analyze`], [`stereo_image`] |
//! | long-term 1/3-octave spectrum | [`analyze`] ([`third_octave_centres`]) |
//! | log-mel spectrogram, multi-resolution STFT distance | [`log_mel_spectrogram`], [`multi_resolution_stft_distance`] |
//! | target against reference | [`compare`], [`compare_analyses`] |
//!
//! The engines on top are [`crate::StyleMatcher`] (decode, analyse,
//! compare) and [`crate::StyleIndex`] (a library of reference styles).
//!
//! ```no_run
//! use voiceprint_core::audio::{DecodeOptions, MultichannelAudio};
//! use voiceprint_core::style::{compare, StyleOptions};
//!
//! let opts = DecodeOptions::default();
//! let target = MultichannelAudio::from_path("mix.wav", &opts)?;
//! let reference = MultichannelAudio::from_path("master.flac", &opts)?;
//! let c = compare(&target, &reference, &StyleOptions::default())?;
//! println!("gain to match: {:?} dB", c.gain_to_match_db);
//! for (hz, db) in c.bands_hz.iter().zip(&c.eq_curve_db) {
//!     println!("{hz:>8.0} Hz {db:+.1} dB");
//! }
//! # Ok::<(), voiceprint_core::Error>(())
//! ```
//!
//! [`MultichannelAudio`]: crate::audio::MultichannelAudio

mod analysis;
mod bands;
mod compare;
mod dynamics;
mod loudness;
mod spectrum;
mod true_peak;

pub use analysis::{analyze, StyleAnalysis, StyleOptions, STYLE_VECTOR_DIM, STYLE_VECTOR_VERSION};
pub use bands::{
    band_edges, bands_below_nyquist, third_octave_centres, BAND_FLOOR_DB, THIRD_OCTAVE_BANDS,
};
pub use compare::{compare, compare_analyses, compare_with_analyses, StyleComparison};
pub use dynamics::{rms_dbfs, stereo_image, StereoImage, SIDE_TO_MID_FLOOR_DB};
pub use loudness::{measure_loudness, to_db, Loudness, Overload, CURVE_STEP_SECS};
pub use spectrum::{
    default_resolutions, log_mel_distance, log_mel_spectrogram, magnitude_stft,
    multi_resolution_stft_distance, MelOptions, SpectralDistance, StftResolution, MEL_FLOOR_DB,
};
