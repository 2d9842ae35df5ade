//! [`Audio`]: the mono, floating-point signal every later layer consumes.

use super::limits::check_sample_rate;
use crate::{Error, Result};

/// A mono signal: `f32` samples, nominally in `[-1, 1]`, at one sample rate.
///
/// Every `Audio` holds at least one sample, only finite samples, and a
/// sample rate in `1000..=384000` Hz; the constructors refuse anything else,
/// so later layers never check again. Samples beyond `[-1, 1]` (a hot float
/// recording) are kept as they are, not clipped, as librosa and
/// torchaudio do: clipping would distort the spectrum the front ends see.
///
/// ```
/// use voiceprint_core::audio::Audio;
///
/// let audio = Audio::from_pcm_i16(&[0, 16384, -16384, 0], 16_000, 2)?;
/// assert_eq!(audio.samples(), &[0.25, -0.25]);
/// assert_eq!(audio.sample_rate(), 16_000);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    samples: Vec<f32>,
    sample_rate: u32,
}

impl Audio {
    /// Wrap mono samples without copying them.
    ///
    /// Errors: [`Error::EmptyInput`] for no samples, [`Error::InvalidSampleRate`],
    /// [`Error::NonFiniteSamples`] with the index of the first NaN or infinity.
    pub fn from_mono(samples: Vec<f32>, sample_rate: u32) -> Result<Audio> {
        check_sample_rate(sample_rate)?;
        if samples.is_empty() {
            return Err(Error::EmptyInput { what: "audio" });
        }
        if let Some(index) = samples.iter().position(|s| !s.is_finite()) {
            return Err(Error::NonFiniteSamples { index });
        }
        Ok(Audio {
            samples,
            sample_rate,
        })
    }

    /// The samples, mono.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// The samples, mono, without a copy.
    pub fn into_samples(self) -> Vec<f32> {
        self.samples
    }

    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Length in seconds.
    pub fn duration_secs(&self) -> f32 {
        (self.samples.len() as f64 / f64::from(self.sample_rate)) as f32
    }

    /// A copy of the part between `start` and `end` seconds.
    ///
    /// Both ends are rounded to the nearest sample; an `end` beyond the audio
    /// is clamped to its length, so `slice_secs(d / 2.0, d)` always gives the
    /// second half.
    ///
    /// Errors: [`Error::InvalidArgument`] when a bound is negative or not
    /// finite, when `end <= start`, or when the span holds no sample (it
    /// starts at or past the end, or is shorter than half a sample).
    ///
    /// ```
    /// use voiceprint_core::audio::Audio;
    ///
    /// let audio = Audio::from_mono(vec![0.0; 16_000], 16_000)?;
    /// let d = audio.duration_secs();
    /// let (first, second) = (audio.slice_secs(0.0, d / 2.0)?, audio.slice_secs(d / 2.0, d)?);
    /// assert_eq!(first.samples().len() + second.samples().len(), 16_000);
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn slice_secs(&self, start: f32, end: f32) -> Result<Audio> {
        if !(start.is_finite() && start >= 0.0) {
            return Err(Error::invalid_argument(
                "start",
                format!("must be a finite number of seconds >= 0, got {start}"),
            ));
        }
        if !(end.is_finite() && end > start) {
            return Err(Error::invalid_argument(
                "end",
                format!("must be a finite number of seconds > start ({start}), got {end}"),
            ));
        }
        let len = self.samples.len();
        let first = self.index_at(start).min(len);
        let last = self.index_at(end).min(len);
        match self.samples.get(first..last) {
            Some(part) if !part.is_empty() => Ok(Audio {
                samples: part.to_vec(),
                sample_rate: self.sample_rate,
            }),
            _ => Err(Error::invalid_argument(
                "start",
                format!(
                    "{start}..{end} s holds no sample of this audio ({:.3} s at {} Hz)",
                    self.duration_secs(),
                    self.sample_rate
                ),
            )),
        }
    }

    /// Refuse audio shorter than `min_seconds` or longer than `max_seconds`.
    ///
    /// Errors: [`Error::AudioTooShort`], [`Error::AudioTooLong`], and
    /// [`Error::InvalidArgument`] when the bounds are NaN, negative or crossed.
    pub fn check_duration(&self, min_seconds: f32, max_seconds: f32) -> Result<()> {
        if !(min_seconds >= 0.0 && max_seconds >= min_seconds) {
            return Err(Error::invalid_argument(
                "min_seconds",
                format!(
                    "need 0 <= min_seconds <= max_seconds, got {min_seconds} and {max_seconds}"
                ),
            ));
        }
        let seconds = self.duration_secs();
        if seconds < min_seconds {
            return Err(Error::AudioTooShort {
                seconds,
                minimum: min_seconds,
            });
        }
        if seconds > max_seconds {
            return Err(Error::AudioTooLong {
                seconds,
                maximum: max_seconds,
            });
        }
        Ok(())
    }

    /// Nearest sample index of a time; saturates instead of overflowing.
    fn index_at(&self, seconds: f32) -> usize {
        // f64 and `as` saturate: a huge `seconds` maps to usize::MAX, then clamps.
        (f64::from(seconds) * f64::from(self.sample_rate)).round() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn ramp(n: usize, rate: u32) -> Audio {
        Audio::from_mono((0..n).map(|i| i as f32 / n as f32).collect(), rate).unwrap()
    }

    #[test]
    fn from_mono_refuses_empty_bad_rate_and_non_finite() {
        assert_eq!(
            Audio::from_mono(vec![], 16_000).unwrap_err().kind(),
            ErrorKind::EmptyInput
        );
        assert_eq!(
            Audio::from_mono(vec![0.0], 0).unwrap_err().kind(),
            ErrorKind::InvalidSampleRate
        );
        assert_eq!(
            Audio::from_mono(vec![0.0], 999_999).unwrap_err().kind(),
            ErrorKind::InvalidSampleRate
        );
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let e = Audio::from_mono(vec![0.0, 0.5, bad, 0.0], 16_000).unwrap_err();
            assert!(matches!(e, Error::NonFiniteSamples { index: 2 }), "{e}");
        }
    }

    #[test]
    fn samples_beyond_unit_range_are_kept() {
        let a = Audio::from_mono(vec![1.5, -2.0], 16_000).unwrap();
        assert_eq!(a.samples(), &[1.5, -2.0]);
    }

    #[test]
    fn duration_is_len_over_rate() {
        assert_eq!(ramp(16_000, 16_000).duration_secs(), 1.0);
        assert_eq!(ramp(12_000, 8_000).duration_secs(), 1.5);
    }

    #[test]
    fn halves_cover_the_whole_signal() {
        let a = ramp(16_001, 16_000);
        let d = a.duration_secs();
        let first = a.slice_secs(0.0, d / 2.0).unwrap();
        let second = a.slice_secs(d / 2.0, d).unwrap();
        let mut joined = first.into_samples();
        joined.extend_from_slice(second.samples());
        assert_eq!(joined, a.samples());
    }

    #[test]
    fn slice_rounds_to_samples_and_clamps_the_end() {
        let a = ramp(100, 1_000);
        let s = a.slice_secs(0.0104, 0.0196).unwrap();
        assert_eq!(s.samples(), &a.samples()[10..20]);
        let tail = a.slice_secs(0.05, 99.0).unwrap();
        assert_eq!(tail.samples(), &a.samples()[50..]);
        assert_eq!(tail.sample_rate(), 1_000);
    }

    #[test]
    fn bad_slices_are_invalid_arguments() {
        let a = ramp(100, 1_000);
        for (s, e) in [
            (-0.1, 0.05),
            (f32::NAN, 0.05),
            (0.05, 0.05),
            (0.06, 0.05),
            (0.0, f32::INFINITY),
            (0.1, 0.2),
            (0.0, 0.0001),
            (f32::MAX / 2.0, f32::MAX),
        ] {
            let err = a.slice_secs(s, e).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{s}..{e}: {err}");
        }
    }

    #[test]
    fn check_duration_reports_short_and_long() {
        let a = ramp(16_000, 16_000);
        assert!(a.check_duration(1.0, 1.0).is_ok());
        let e = a.check_duration(1.5, 10.0).unwrap_err();
        assert!(
            matches!(e, Error::AudioTooShort { seconds, minimum } if seconds == 1.0 && minimum == 1.5)
        );
        let e = a.check_duration(0.0, 0.5).unwrap_err();
        assert!(
            matches!(e, Error::AudioTooLong { seconds, maximum } if seconds == 1.0 && maximum == 0.5)
        );
        for (lo, hi) in [(2.0, 1.0), (f32::NAN, 1.0), (-1.0, 1.0), (0.0, f32::NAN)] {
            assert_eq!(
                a.check_duration(lo, hi).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
        }
    }
}
