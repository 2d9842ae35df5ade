//! Input layer: decode, downmix, resample.
//!
//! [`Audio`] is a mono `f32` signal at a known sample rate. It comes from a
//! file or an in-memory upload ([`Audio::from_path`], [`Audio::from_bytes`],
//! decoded with symphonia), or from raw PCM a caller already holds
//! ([`Audio::from_pcm_f32`], [`Audio::from_pcm_i16`]); [`Audio::resample`]
//! brings it to a model's rate with rubato. The style path keeps every
//! channel at the file's rate instead: [`MultichannelAudio`]. Bad input is refused with a typed
//! [`crate::Error`], never a panic.
//!
//! ```no_run
//! use voiceprint_core::audio::{Audio, DecodeOptions};
//!
//! let audio = Audio::from_path("call.m4a", &DecodeOptions::default())?.resample(16_000)?;
//! audio.check_duration(1.5, 600.0)?;
//! let half = audio.slice_secs(0.0, audio.duration_secs() / 2.0)?;
//! # Ok::<(), voiceprint_core::Error>(())
//! ```

mod buffer;
mod decode;
mod downmix;
mod limits;
mod multichannel;
mod pcm;
mod resample;
mod wav_header;

pub use buffer::Audio;
pub use limits::{check_sample_rate, DecodeOptions, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
pub use multichannel::{ChannelLayout, ChannelPosition, MultichannelAudio, MAX_CHANNELS};
