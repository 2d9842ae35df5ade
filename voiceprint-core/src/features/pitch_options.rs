//! [`PitchOptions`]: the search range, framing and voicing decision of the
//! YIN pitch tracker, and their check against a sample rate.

use crate::audio::check_sample_rate;
use crate::{Error, Result};

/// Options of the YIN pitch tracker ([`PitchTracker`](super::PitchTracker)).
///
/// The defaults cover adult and most child speech (60–400 Hz) with 10 ms
/// hops; change fields with struct update syntax:
///
/// ```
/// use voiceprint_core::features::PitchOptions;
///
/// let opts = PitchOptions { fmin_hz: 75.0, ..PitchOptions::default() };
/// assert_eq!(opts.fmax_hz, 400.0);
/// assert!(opts.validate(16_000).is_ok());
/// assert!(PitchOptions { fmax_hz: 50.0, ..opts }.validate(16_000).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PitchOptions {
    /// Lowest F0 searched, Hz (60; at least 10). Sets the longest lag.
    pub fmin_hz: f32,
    /// Highest F0 searched, Hz (400; at most half the sample rate). Sets the
    /// shortest lag.
    pub fmax_hz: f32,
    /// YIN's integration window, seconds (0.03). It must hold at least one
    /// period of `fmin_hz` (de Cheveigné & Kawahara 2002, section II.B: the
    /// window should be no shorter than the longest expected period).
    pub frame_seconds: f32,
    /// Step between frames, seconds (0.01).
    pub hop_seconds: f32,
    /// YIN's absolute threshold on the cumulative-mean-normalised difference
    /// (step 4 of the paper), in `(0, 1]`. The first dip below it is the
    /// period; a frame with no dip below it is unvoiced (its aperiodicity is
    /// too high). The paper uses 0.1 on clean speech; 0.15 keeps more of the
    /// breathier voiced frames of read speech without octave errors.
    pub threshold: f32,
    /// Frames whose RMS is below this level, dB relative to full scale
    /// (a sample of 1.0), are unvoiced without analysis (-50).
    pub min_rms_dbfs: f32,
}

impl Default for PitchOptions {
    fn default() -> Self {
        PitchOptions {
            fmin_hz: 60.0,
            fmax_hz: 400.0,
            frame_seconds: 0.03,
            hop_seconds: 0.01,
            threshold: 0.15,
            min_rms_dbfs: -50.0,
        }
    }
}

/// Lowest `fmin_hz` accepted: below 10 Hz nothing is a voice, and the lag
/// range (and so the FFT) would grow without bound.
pub(super) const MIN_FMIN_HZ: f32 = 10.0;

/// The options turned into sample counts for one sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PitchFraming {
    /// Integration window `W`, samples.
    pub window: usize,
    /// Shortest lag searched (the period of `fmax_hz`), at least 2 so that
    /// parabolic interpolation has a neighbour on each side.
    pub tau_min: usize,
    /// Longest lag searched (the period of `fmin_hz`).
    pub tau_max: usize,
    /// Hop, samples.
    pub hop: usize,
}

impl PitchFraming {
    /// Samples one frame reads: the window and the window shifted by the longest lag.
    pub fn span(&self) -> usize {
        self.window + self.tau_max
    }
}

impl PitchOptions {
    /// Checks the options against a sample rate: every value finite and in
    /// its range, `fmin_hz < fmax_hz <= sample_rate / 2`, a window of at
    /// least one period of `fmin_hz` and a hop of at least one sample.
    ///
    /// Errors: [`Error::InvalidSampleRate`], [`Error::InvalidArgument`]
    /// naming the field.
    pub fn validate(&self, sample_rate: u32) -> Result<()> {
        self.framing(sample_rate).map(|_| ())
    }

    pub(super) fn framing(&self, sample_rate: u32) -> Result<PitchFraming> {
        check_sample_rate(sample_rate)?;
        let sr = sample_rate as f32;
        if !self.fmin_hz.is_finite() || self.fmin_hz < MIN_FMIN_HZ {
            return Err(Error::invalid_argument(
                "fmin_hz",
                format!("{} Hz; use at least {MIN_FMIN_HZ} Hz", self.fmin_hz),
            ));
        }
        if !self.fmax_hz.is_finite() || self.fmax_hz <= self.fmin_hz {
            return Err(Error::invalid_argument(
                "fmax_hz",
                format!(
                    "{} Hz; it must be above fmin_hz ({} Hz)",
                    self.fmax_hz, self.fmin_hz
                ),
            ));
        }
        if self.fmax_hz > sr / 2.0 {
            return Err(Error::invalid_argument(
                "fmax_hz",
                format!(
                    "{} Hz is above half the sample rate ({} Hz); lower it",
                    self.fmax_hz,
                    sr / 2.0
                ),
            ));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(Error::invalid_argument(
                "threshold",
                format!("{}; it must be in (0, 1] (YIN uses 0.1)", self.threshold),
            ));
        }
        if !self.min_rms_dbfs.is_finite() {
            return Err(Error::invalid_argument(
                "min_rms_dbfs",
                format!("{}; give a finite level such as -50", self.min_rms_dbfs),
            ));
        }
        let tau_min = ((sr / self.fmax_hz).floor() as usize).max(2);
        let tau_max = (sr / self.fmin_hz).ceil() as usize;
        let window = samples_of(self.frame_seconds, sr);
        if !self.frame_seconds.is_finite() || window < tau_max {
            return Err(Error::invalid_argument(
                "frame_seconds",
                format!(
                    "{} s holds less than one period of fmin_hz ({:.4} s); raise it",
                    self.frame_seconds,
                    1.0 / self.fmin_hz
                ),
            ));
        }
        let hop = samples_of(self.hop_seconds, sr);
        if !self.hop_seconds.is_finite() || hop == 0 {
            return Err(Error::invalid_argument(
                "hop_seconds",
                format!("{} s is less than one sample; raise it", self.hop_seconds),
            ));
        }
        Ok(PitchFraming {
            window,
            tau_min,
            tau_max,
            hop,
        })
    }
}

/// Seconds to whole samples; 0 for anything not positive or finite (the
/// callers refuse 0).
fn samples_of(seconds: f32, sr: f32) -> usize {
    let n = (seconds * sr).round();
    if n.is_finite() && n > 0.0 {
        n as usize
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn defaults_at_16k_are_the_periods_of_400_and_60_hz() {
        let f = PitchOptions::default().framing(16_000).unwrap();
        assert_eq!(
            f,
            PitchFraming {
                window: 480,
                tau_min: 40,
                tau_max: 267,
                hop: 160
            }
        );
        assert_eq!(f.span(), 747);
    }

    #[test]
    fn bad_values_name_their_field() {
        let d = PitchOptions::default();
        let cases = [
            (PitchOptions { fmin_hz: 5.0, ..d }, "fmin_hz"),
            (
                PitchOptions {
                    fmin_hz: f32::NAN,
                    ..d
                },
                "fmin_hz",
            ),
            (PitchOptions { fmax_hz: 60.0, ..d }, "fmax_hz"),
            (
                PitchOptions {
                    fmax_hz: 9_000.0,
                    ..d
                },
                "fmax_hz",
            ),
            (
                PitchOptions {
                    threshold: 0.0,
                    ..d
                },
                "threshold",
            ),
            (
                PitchOptions {
                    threshold: f32::NAN,
                    ..d
                },
                "threshold",
            ),
            (
                PitchOptions {
                    min_rms_dbfs: f32::NEG_INFINITY,
                    ..d
                },
                "min_rms_dbfs",
            ),
            (
                PitchOptions {
                    frame_seconds: 0.01,
                    ..d
                },
                "frame_seconds",
            ),
            (
                PitchOptions {
                    frame_seconds: f32::INFINITY,
                    ..d
                },
                "frame_seconds",
            ),
            (
                PitchOptions {
                    hop_seconds: 0.0,
                    ..d
                },
                "hop_seconds",
            ),
            (
                PitchOptions {
                    hop_seconds: -1.0,
                    ..d
                },
                "hop_seconds",
            ),
        ];
        for (opts, field) in cases {
            match opts.validate(16_000) {
                Err(Error::InvalidArgument { name, .. }) => assert_eq!(name, field, "{opts:?}"),
                other => panic!("{opts:?}: expected an error on {field}, got {other:?}"),
            }
        }
        let e = d.validate(0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSampleRate);
    }

    #[test]
    fn json_fills_missing_fields_with_defaults() {
        let o: PitchOptions = serde_json::from_str(r#"{"fmin_hz": 75}"#).unwrap();
        assert_eq!(
            o,
            PitchOptions {
                fmin_hz: 75.0,
                ..PitchOptions::default()
            }
        );
    }
}
