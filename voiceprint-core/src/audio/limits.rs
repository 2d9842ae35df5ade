//! Limits that protect a service from hostile or absurd audio: byte size,
//! duration and sample rate.

use crate::{Error, Result};

/// Lowest sample rate accepted anywhere in the library (Hz).
///
/// Telephone speech is 8 kHz; nothing below 1 kHz carries usable speech.
pub const MIN_SAMPLE_RATE: u32 = 1_000;

/// Highest sample rate accepted anywhere in the library (Hz).
///
/// 384 kHz is the highest rate studio converters and WAV/FLAC files use in
/// practice; larger values come from corrupt headers.
pub const MAX_SAMPLE_RATE: u32 = 384_000;

/// Limits applied while decoding a file or a byte buffer.
///
/// Both limits are checked before (bytes) or while (duration) decoding, so a
/// small compressed file that expands to hours of audio is stopped early
/// instead of filling memory.
///
/// ```
/// use voiceprint_core::audio::DecodeOptions;
///
/// let opts = DecodeOptions { max_seconds: 60.0, ..DecodeOptions::default() };
/// assert_eq!(opts.max_bytes, 512 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOptions {
    /// Largest encoded input accepted, in bytes. Default 512 MiB.
    pub max_bytes: u64,
    /// Longest decoded audio accepted, in seconds. Default 4 hours.
    pub max_seconds: f32,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            max_bytes: 512 * 1024 * 1024,
            max_seconds: 4.0 * 3600.0,
        }
    }
}

impl DecodeOptions {
    /// Refuse options that would make every input fail in a confusing way.
    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.max_seconds.is_finite() && self.max_seconds > 0.0) {
            return Err(Error::invalid_argument(
                "max_seconds",
                format!(
                    "must be a positive number of seconds, got {}",
                    self.max_seconds
                ),
            ));
        }
        Ok(())
    }

    /// Refuse an encoded input larger than [`DecodeOptions::max_bytes`].
    pub(crate) fn check_bytes(&self, len: u64) -> Result<()> {
        if len > self.max_bytes {
            return Err(Error::InputTooLarge {
                what: "audio",
                actual: len,
                limit: self.max_bytes,
                unit: "bytes",
            });
        }
        Ok(())
    }

    /// Most frames at `sample_rate` that fit in [`DecodeOptions::max_seconds`].
    pub(crate) fn max_frames(&self, sample_rate: u32) -> u64 {
        // f64: 4 h at 384 kHz is 5.5e9 frames, beyond f32's exact integers.
        (f64::from(self.max_seconds) * f64::from(sample_rate)).floor() as u64
    }
}

/// Refuse a sample rate outside [`MIN_SAMPLE_RATE`]`..=`[`MAX_SAMPLE_RATE`].
pub fn check_sample_rate(rate: u32) -> Result<()> {
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        Ok(())
    } else {
        Err(Error::InvalidSampleRate {
            rate,
            min: MIN_SAMPLE_RATE,
            max: MAX_SAMPLE_RATE,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn defaults_are_512_mib_and_4_hours() {
        let o = DecodeOptions::default();
        assert_eq!(o.max_bytes, 536_870_912);
        assert_eq!(o.max_seconds, 14_400.0);
        assert!(o.validate().is_ok());
    }

    #[test]
    fn sample_rate_bounds_are_inclusive() {
        assert!(check_sample_rate(1_000).is_ok());
        assert!(check_sample_rate(384_000).is_ok());
        for bad in [0, 999, 384_001, u32::MAX] {
            let e = check_sample_rate(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidSampleRate, "{bad}");
        }
    }

    #[test]
    fn bad_max_seconds_is_an_invalid_argument() {
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let o = DecodeOptions {
                max_seconds: bad,
                ..DecodeOptions::default()
            };
            assert_eq!(o.validate().unwrap_err().kind(), ErrorKind::InvalidArgument);
        }
    }

    #[test]
    fn byte_limit_is_inclusive() {
        let o = DecodeOptions {
            max_bytes: 10,
            ..DecodeOptions::default()
        };
        assert!(o.check_bytes(10).is_ok());
        let e = o.check_bytes(11).unwrap_err();
        assert!(matches!(
            e,
            Error::InputTooLarge {
                actual: 11,
                limit: 10,
                ..
            }
        ));
    }

    #[test]
    fn max_frames_does_not_overflow_at_the_extremes() {
        let o = DecodeOptions::default();
        assert_eq!(o.max_frames(384_000), 5_529_600_000);
        assert_eq!(o.max_frames(16_000), 230_400_000);
    }
}
