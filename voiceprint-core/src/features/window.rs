//! Analysis windows: Kaldi's `FeatureWindowFunction` and librosa's Hann.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Kaldi's `--window-type` (kaldi/src/feat/feature-window.cc,
/// kaldi-native-fbank `FeatureWindowFunction`). All use `a = 2π / (N - 1)`,
/// i.e. symmetric windows over the `N` samples of a frame.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum WindowType {
    /// `(0.5 - 0.5 cos(a n))^0.85`: Kaldi's default, like Hamming but zero at
    /// the edges. 3D-Speaker and sherpa-onnx use it.
    #[default]
    Povey,
    /// `0.54 - 0.46 cos(a n)`. WeSpeaker uses it.
    Hamming,
    /// `0.5 - 0.5 cos(a n)` (Kaldi's "hanning", the symmetric Hann window).
    Hanning,
    /// All ones.
    Rectangular,
    /// `0.42 - 0.5 cos(a n) + 0.08 cos(2 a n)` (Kaldi's `--blackman-coeff`
    /// default 0.42).
    Blackman,
}

/// Kaldi's `--blackman-coeff` default.
const BLACKMAN_COEFF: f64 = 0.42;

impl WindowType {
    /// The name Kaldi and kaldi-native-fbank use for this window.
    pub fn name(self) -> &'static str {
        match self {
            WindowType::Povey => "povey",
            WindowType::Hamming => "hamming",
            WindowType::Hanning => "hanning",
            WindowType::Rectangular => "rectangular",
            WindowType::Blackman => "blackman",
        }
    }

    /// The `len` window coefficients, computed in `f64` and stored as `f32`
    /// as kaldi-native-fbank does. A window of fewer than 2 samples is all
    /// ones (Kaldi's formula divides by `len - 1`).
    ///
    /// ```
    /// use voiceprint_core::features::WindowType;
    ///
    /// let w = WindowType::Povey.coefficients(400);
    /// assert_eq!(w[0], 0.0);
    /// assert!((w[200] - 1.0).abs() < 1e-4);
    /// ```
    pub fn coefficients(self, len: usize) -> Vec<f32> {
        if len < 2 {
            return vec![1.0; len];
        }
        let a = 2.0 * PI / (len - 1) as f64;
        (0..len)
            .map(|i| {
                let c = (a * i as f64).cos();
                let w = match self {
                    WindowType::Povey => (0.5 - 0.5 * c).powf(0.85),
                    WindowType::Hamming => 0.54 - 0.46 * c,
                    WindowType::Hanning => 0.5 - 0.5 * c,
                    WindowType::Rectangular => 1.0,
                    WindowType::Blackman => {
                        BLACKMAN_COEFF - 0.5 * c
                            + (0.5 - BLACKMAN_COEFF) * (2.0 * a * i as f64).cos()
                    }
                };
                w as f32
            })
            .collect()
    }
}

impl fmt::Display for WindowType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WindowType {
    type Err = Error;

    /// Parses Kaldi's names (`povey`, `hamming`, `hanning`, `rectangular`,
    /// `blackman`), ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self> {
        [
            WindowType::Povey,
            WindowType::Hamming,
            WindowType::Hanning,
            WindowType::Rectangular,
            WindowType::Blackman,
        ]
        .into_iter()
        .find(|w| w.name().eq_ignore_ascii_case(s))
        .ok_or_else(|| {
            Error::invalid_argument(
                "window",
                format!("unknown window type {s:?}; expected povey, hamming, hanning, rectangular or blackman"),
            )
        })
    }
}

/// The periodic Hann window librosa uses by default,
/// `scipy.signal.get_window("hann", len, fftbins=True)`:
/// `0.5 - 0.5 cos(2π n / len)`, in `f64`.
pub fn periodic_hann(len: usize) -> Vec<f64> {
    let n = len as f64;
    (0..len)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n).cos())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kaldi_windows_are_symmetric_with_known_edges() {
        for w in [
            WindowType::Povey,
            WindowType::Hamming,
            WindowType::Hanning,
            WindowType::Rectangular,
            WindowType::Blackman,
        ] {
            let c = w.coefficients(400);
            assert_eq!(c.len(), 400);
            for i in 0..200 {
                assert!((c[i] - c[399 - i]).abs() < 1e-6, "{w} not symmetric at {i}");
            }
            let edge = match w {
                WindowType::Hamming => 0.08,
                WindowType::Rectangular => 1.0,
                _ => 0.0,
            };
            assert!((c[0] - edge).abs() < 1e-6, "{w} edge {}", c[0]);
            assert_eq!(w.name().parse::<WindowType>().unwrap(), w);
        }
        assert!("HAMMING".parse::<WindowType>().is_ok());
        assert!("kaiser".parse::<WindowType>().is_err());
        assert_eq!(WindowType::Povey.coefficients(1), vec![1.0]);
        assert!(WindowType::Povey.coefficients(0).is_empty());
    }

    #[test]
    fn periodic_hann_matches_scipy() {
        let w = periodic_hann(400);
        assert_eq!(w[0], 0.0);
        assert!((w[200] - 1.0).abs() < 1e-15);
        // periodic: w[n] == w[N - n]
        assert!((w[1] - w[399]).abs() < 1e-15);
        // scipy.signal.get_window("hann", 400)[100] == 0.5
        assert!((w[100] - 0.5).abs() < 1e-15);
    }
}
