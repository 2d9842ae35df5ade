//! [`StyleMatcher`]: decode, analyse and compare mixes and masters.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::audio::{DecodeOptions, MultichannelAudio};
use crate::style::{analyze, compare_with_analyses, StyleAnalysis, StyleComparison, StyleOptions};
use crate::Result;

/// Audio for the style path: a file, its bytes, or decoded channels.
#[derive(Debug, Clone)]
pub enum StyleInput<'a> {
    /// A WAV / FLAC / MP3 / OGG / M4A file.
    Path(&'a Path),
    /// The bytes of such a file.
    Bytes(&'a [u8]),
    /// Channels already decoded.
    Audio(&'a MultichannelAudio),
}

impl<'a> From<&'a Path> for StyleInput<'a> {
    fn from(p: &'a Path) -> Self {
        StyleInput::Path(p)
    }
}

impl<'a> From<&'a PathBuf> for StyleInput<'a> {
    fn from(p: &'a PathBuf) -> Self {
        StyleInput::Path(p)
    }
}

impl<'a> From<&'a str> for StyleInput<'a> {
    fn from(p: &'a str) -> Self {
        StyleInput::Path(Path::new(p))
    }
}

impl<'a> From<&'a MultichannelAudio> for StyleInput<'a> {
    fn from(a: &'a MultichannelAudio) -> Self {
        StyleInput::Audio(a)
    }
}

/// Loudness, true peak, spectrum and style comparison of mixes and masters.
///
/// Holds the measurement options and the decoding limits; `Send + Sync`,
/// cheap to share. Every call works on one thread.
///
/// ```no_run
/// use voiceprint_core::StyleMatcher;
///
/// let matcher = StyleMatcher::default();
/// let c = matcher.compare("mix.wav".into(), "reference-master.flac".into())?;
/// println!("LUFS error {:?}, gain {:?} dB, true peak after gain {:?} dBTP",
///          c.loudness_error_lu, c.gain_to_match_db, c.matched_true_peak_dbtp);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct StyleMatcher {
    options: StyleOptions,
    decode: DecodeOptions,
}

impl StyleMatcher {
    /// A matcher with these options (checked now).
    pub fn new(options: StyleOptions, decode: DecodeOptions) -> Result<Self> {
        options.validate()?;
        decode.validate()?;
        Ok(StyleMatcher { options, decode })
    }

    /// The measurement options.
    pub fn options(&self) -> &StyleOptions {
        &self.options
    }

    /// Decode (or borrow) the channels of an input.
    pub fn load<'a>(&self, input: StyleInput<'a>) -> Result<Cow<'a, MultichannelAudio>> {
        Ok(match input {
            StyleInput::Path(p) => Cow::Owned(MultichannelAudio::from_path(p, &self.decode)?),
            StyleInput::Bytes(b) => Cow::Owned(MultichannelAudio::from_bytes(b, &self.decode)?),
            StyleInput::Audio(a) => Cow::Borrowed(a),
        })
    }

    /// Every style figure of one input.
    pub fn analyze(&self, input: StyleInput<'_>) -> Result<StyleAnalysis> {
        let audio = self.load(input)?;
        analyze(&audio, &self.options)
    }

    /// Compare a target with a reference (see [`crate::style::compare`]).
    pub fn compare(
        &self,
        target: StyleInput<'_>,
        reference: StyleInput<'_>,
    ) -> Result<StyleComparison> {
        let t = self.load(target)?;
        let r = self.load(reference)?;
        let ta = analyze(&t, &self.options)?;
        let ra = analyze(&r, &self.options)?;
        compare_with_analyses(&t, &ta, &r, &ra, &self.options)
    }

    /// Compare, returning both analyses too (for a report or a picture).
    pub fn compare_detailed(
        &self,
        target: StyleInput<'_>,
        reference: StyleInput<'_>,
    ) -> Result<(StyleComparison, StyleAnalysis, StyleAnalysis)> {
        let t = self.load(target)?;
        let r = self.load(reference)?;
        let ta = analyze(&t, &self.options)?;
        let ra = analyze(&r, &self.options)?;
        let c = compare_with_analyses(&t, &ta, &r, &ra, &self.options)?;
        Ok((c, ta, ra))
    }
}
