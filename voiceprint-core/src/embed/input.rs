use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::audio::{Audio, DecodeOptions};
use crate::Result;

/// Audio as callers hold it: a file, an encoded buffer, raw PCM, or decoded audio.
///
/// ```
/// use voiceprint_core::embed::AudioInput;
/// let pcm = vec![0.0f32; 16000];
/// let input = AudioInput::PcmF32 { samples: &pcm, sample_rate: 16000 };
/// let audio = input.decode(&Default::default()).unwrap();
/// assert_eq!(audio.sample_rate(), 16000);
/// ```
#[derive(Debug, Clone, Copy)]
pub enum AudioInput<'a> {
    /// A WAV / FLAC / MP3 / OGG / M4A file.
    Path(&'a Path),
    /// The bytes of such a file, e.g. an upload.
    Bytes(&'a [u8]),
    /// Mono f32 samples in [-1, 1].
    PcmF32 {
        /// The samples.
        samples: &'a [f32],
        /// Their rate in Hz.
        sample_rate: u32,
    },
    /// Mono 16-bit samples.
    PcmI16 {
        /// The samples.
        samples: &'a [i16],
        /// Their rate in Hz.
        sample_rate: u32,
    },
    /// Audio already decoded.
    Audio(&'a Audio),
}

impl AudioInput<'_> {
    /// Decodes (or borrows) the audio.
    pub fn decode(&self, opts: &DecodeOptions) -> Result<Cow<'_, Audio>> {
        Ok(match *self {
            AudioInput::Path(p) => Cow::Owned(Audio::from_path(p, opts)?),
            AudioInput::Bytes(b) => Cow::Owned(Audio::from_bytes(b, opts)?),
            AudioInput::PcmF32 {
                samples,
                sample_rate,
            } => Cow::Owned(Audio::from_pcm_f32(samples, sample_rate, 1)?),
            AudioInput::PcmI16 {
                samples,
                sample_rate,
            } => Cow::Owned(Audio::from_pcm_i16(samples, sample_rate, 1)?),
            AudioInput::Audio(a) => Cow::Borrowed(a),
        })
    }
}

impl<'a> From<&'a Path> for AudioInput<'a> {
    fn from(p: &'a Path) -> Self {
        AudioInput::Path(p)
    }
}

impl<'a> From<&'a PathBuf> for AudioInput<'a> {
    fn from(p: &'a PathBuf) -> Self {
        AudioInput::Path(p.as_path())
    }
}

impl<'a> From<&'a str> for AudioInput<'a> {
    fn from(p: &'a str) -> Self {
        AudioInput::Path(Path::new(p))
    }
}

impl<'a> From<&'a [u8]> for AudioInput<'a> {
    fn from(b: &'a [u8]) -> Self {
        AudioInput::Bytes(b)
    }
}

impl<'a> From<&'a Audio> for AudioInput<'a> {
    fn from(a: &'a Audio) -> Self {
        AudioInput::Audio(a)
    }
}
