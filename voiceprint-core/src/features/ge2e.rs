//! The GE2E front end of Resemblyzer: linear mel power spectrogram of the
//! volume-normalised waveform (resemblyzer/audio.py `normalize_volume`,
//! `wav_to_mel_spectrogram`).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::fbank::{MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use super::ge2e_partials::partial_slices;
use super::matrix::Features;
use super::mel::MelBank;
use super::window::periodic_hann;
use crate::error::{Error, Result};

/// Options of [`Ge2eMel`]. The defaults are Resemblyzer's `hparams.py` and
/// librosa's `melspectrogram` defaults; the pretrained encoder was trained
/// on exactly these, so change them only for another GE2E model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Ge2eMelOptions {
    /// Sample rate of the input in Hz (`sampling_rate = 16000`).
    pub sample_rate: u32,
    /// FFT and window length in samples (`mel_window_length = 25` ms).
    pub n_fft: usize,
    /// Hop in samples (`mel_window_step = 10` ms).
    pub hop_length: usize,
    /// Mel channels (`mel_n_channels = 40`).
    pub n_mels: usize,
    /// Lowest mel frequency in Hz (librosa `fmin = 0`).
    pub fmin: f32,
    /// Highest mel frequency in Hz; `None` is Nyquist (librosa `fmax = None`).
    pub fmax: Option<f32>,
    /// Volume normalisation target in dBFS applied to the waveform first,
    /// increase only (`audio_norm_target_dBFS = -30`,
    /// `normalize_volume(wav, -30, increase_only=True)`); `None` skips it.
    pub target_dbfs: Option<f32>,
}

impl Default for Ge2eMelOptions {
    fn default() -> Self {
        Self {
            sample_rate: 16_000,
            n_fft: 400,
            hop_length: 160,
            n_mels: 40,
            fmin: 0.0,
            fmax: None,
            target_dbfs: Some(-30.0),
        }
    }
}

/// Resemblyzer's mel spectrogram, equal to
/// `wav_to_mel_spectrogram(normalize_volume(wav, -30, increase_only=True))`
/// (librosa `melspectrogram` with its defaults: periodic Hann window,
/// centred frames with zero padding of `n_fft / 2` at both ends
/// (`pad_mode="constant"`, librosa >= 0.10), power spectrum, Slaney mel
/// scale and Slaney area normalisation). The output is linear mel power, not
/// logged: the GE2E encoder takes it as is. `[frames, n_mels]` with
/// `1 + n / hop` frames.
///
/// The FFT runs in `f64` as librosa's does (it multiplies by a `float64`
/// window); [`Features`] are `f32`.
///
/// What this does not do: Resemblyzer's `trim_long_silences` (webrtcvad)
/// between volume normalisation and the spectrogram; the library's VAD
/// plays that part.
///
/// ```
/// use voiceprint_core::features::{Ge2eMel, Ge2eMelOptions};
///
/// let ge2e = Ge2eMel::new(Ge2eMelOptions::default())?;
/// let feats = ge2e.compute(&vec![0.1f32; 16_000])?;
/// assert_eq!((feats.num_frames(), feats.dim()), (101, 40));
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Ge2eMel {
    opts: Ge2eMelOptions,
    window: Vec<f64>,
    mel: MelBank,
    fft: Arc<dyn RealToComplex<f64>>,
}

impl std::fmt::Debug for Ge2eMel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ge2eMel")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl Ge2eMel {
    /// Checks `opts` and precomputes the window, mel bank and FFT plan.
    ///
    /// Fails with [`Error::InvalidSampleRate`] for a rate outside 1 kHz to
    /// 768 kHz and
    /// [`Error::InvalidArgument`] for `n_fft < 2`, a zero hop, no mels, a
    /// band outside `[0, Nyquist]` or a non-finite target level.
    pub fn new(opts: Ge2eMelOptions) -> Result<Self> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&opts.sample_rate) {
            return Err(Error::InvalidSampleRate {
                rate: opts.sample_rate,
                min: MIN_SAMPLE_RATE,
                max: MAX_SAMPLE_RATE,
            });
        }
        if opts.n_fft < 2 || opts.hop_length == 0 {
            return Err(Error::invalid_argument(
                "n_fft",
                format!(
                    "n_fft {} and hop_length {} must be at least 2 and 1",
                    opts.n_fft, opts.hop_length
                ),
            ));
        }
        if opts.target_dbfs.is_some_and(|t| !t.is_finite()) {
            return Err(Error::invalid_argument(
                "target_dbfs",
                "must be a finite level in dBFS",
            ));
        }
        let sr = f64::from(opts.sample_rate);
        let fmax = opts.fmax.map_or(sr / 2.0, f64::from);
        if fmax > sr / 2.0 {
            return Err(Error::invalid_argument(
                "fmax",
                format!("{fmax} Hz is above Nyquist ({} Hz)", sr / 2.0),
            ));
        }
        let mel = MelBank::slaney(opts.n_mels, opts.n_fft, sr, f64::from(opts.fmin), fmax)?;
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(opts.n_fft);
        Ok(Self {
            window: periodic_hann(opts.n_fft),
            mel,
            fft,
            opts,
        })
    }

    /// The options this front end was built with.
    pub fn options(&self) -> &Ge2eMelOptions {
        &self.opts
    }

    /// Mel frames of `num_samples` samples: `1 + num_samples / hop` (librosa
    /// centred STFT).
    pub fn num_frames(&self, num_samples: usize) -> usize {
        let half = self.opts.n_fft / 2;
        num_samples
            .saturating_add(2 * half)
            .checked_sub(self.opts.n_fft)
            .map_or(0, |n| 1 + n / self.opts.hop_length.max(1))
    }

    /// Mel spectrogram of `samples_16k` (mono, at `options().sample_rate`,
    /// in `[-1, 1]`), after volume normalisation.
    ///
    /// Fails with [`Error::EmptyInput`] for no samples and
    /// [`Error::NonFiniteSamples`] for NaN or infinity.
    pub fn compute(&self, samples_16k: &[f32]) -> Result<Features> {
        self.compute_padded(samples_16k, samples_16k.len())
    }

    /// As [`compute`](Self::compute), with the normalised waveform
    /// zero-padded to `padded_len` samples first: Resemblyzer's
    /// `embed_utterance` normalises, then pads to the end of the last
    /// partial utterance ([`ge2e_partial_slices`](super::ge2e_partial_slices)),
    /// so the padding must not count in the loudness.
    ///
    /// Fails as `compute` does, and with [`Error::InvalidArgument`] when
    /// `padded_len` is shorter than the samples or pads by more than one
    /// partial utterance (160 hops; Resemblyzer never pads that much).
    pub fn compute_padded(&self, samples: &[f32], padded_len: usize) -> Result<Features> {
        if samples.is_empty() {
            return Err(Error::EmptyInput { what: "audio" });
        }
        if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteSamples { index });
        }
        // Resemblyzer pads by less than one partial utterance.
        let max_pad = super::GE2E_PARTIAL_FRAMES * self.opts.hop_length;
        if padded_len < samples.len() || padded_len - samples.len() > max_pad {
            return Err(Error::invalid_argument(
                "padded_len",
                format!(
                    "{padded_len} must be between the {} samples given and {max_pad} samples more",
                    samples.len()
                ),
            ));
        }
        let gain = self
            .opts
            .target_dbfs
            .map_or(1.0, |t| ge2e_volume_gain(samples, t));
        let num_frames = self.num_frames(padded_len);
        let n_mels = self.mel.num_filters();
        let mut feats = Features::zeros(num_frames, n_mels);

        let mut frame = self.fft.make_input_vec();
        let mut spectrum = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0.0f32; spectrum.len()];
        let hop = self.opts.hop_length as i64;
        let half = (self.opts.n_fft / 2) as i64;
        for (t, row) in feats.rows_mut().enumerate() {
            let start = t as i64 * hop - half;
            // librosa multiplies the float32 normalised wav by a float64 window.
            let normalised = |s: f32| f64::from((f64::from(s) * gain) as f32);
            let inside = usize::try_from(start)
                .ok()
                .and_then(|s| samples.get(s..s.checked_add(frame.len())?));
            if let Some(src) = inside {
                for ((x, w), &s) in frame.iter_mut().zip(&self.window).zip(src) {
                    *x = normalised(s) * w;
                }
            } else {
                for ((x, w), i) in frame.iter_mut().zip(&self.window).zip(start..) {
                    // Outside the samples is librosa's constant (zero) padding,
                    // which also covers the zeros up to `padded_len`.
                    let s = usize::try_from(i)
                        .ok()
                        .and_then(|i| samples.get(i))
                        .map_or(0.0, |&s| normalised(s));
                    *x = s * w;
                }
            }
            self.fft
                .process_with_scratch(&mut frame, &mut spectrum, &mut scratch)
                .map_err(|e| Error::invalid_argument("samples", format!("FFT failed: {e}")))?;
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = norm_sqr_complex64(c);
            }
            self.mel.apply(&power, row)?;
        }
        Ok(feats)
    }

    /// Resemblyzer's `embed_utterance` front end: the mel spectrograms of
    /// the partial utterances, each [`GE2E_PARTIAL_FRAMES`](super::GE2E_PARTIAL_FRAMES)
    /// frames, of the waveform normalised and then padded as Resemblyzer
    /// pads it. `rate` and `min_coverage` as in
    /// [`ge2e_partial_slices`](super::ge2e_partial_slices) (1.3 and 0.75 by default there).
    pub fn compute_partials(
        &self,
        samples: &[f32],
        rate: f64,
        min_coverage: f64,
    ) -> Result<Vec<Features>> {
        let (slices, padded) = partial_slices(
            samples.len(),
            self.opts.sample_rate as usize,
            self.opts.hop_length,
            super::GE2E_PARTIAL_FRAMES,
            rate,
            min_coverage,
        )?;
        let mel = self.compute_padded(samples, padded)?;
        Ok(slices.into_iter().map(|s| mel.slice_frames(s)).collect())
    }
}

/// librosa stores the STFT as `complex64` and squares `np.abs` of it.
fn norm_sqr_complex64(c: &Complex<f64>) -> f32 {
    let (re, im) = (c.re as f32, c.im as f32);
    re * re + im * im
}

/// The gain Resemblyzer's `normalize_volume(wav, target_dbfs,
/// increase_only=True)` applies: `10^((target - level) / 20)` where `level`
/// is the RMS in dBFS (its `int16_max` factors cancel), or 1 when the audio
/// is already louder than the target.
///
/// Digital silence has no level; Resemblyzer would multiply it by infinity
/// and produce NaN, this returns 1 and leaves it silent.
pub fn ge2e_volume_gain(samples: &[f32], target_dbfs: f32) -> f64 {
    if samples.is_empty() {
        return 1.0;
    }
    let mean_square = samples
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        / samples.len() as f64;
    if mean_square.is_nan() || mean_square <= 0.0 {
        return 1.0;
    }
    let change = f64::from(target_dbfs) - 10.0 * mean_square.log10();
    if change < 0.0 {
        1.0
    } else {
        10f64.powf(change / 20.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ge2e() -> Ge2eMel {
        Ge2eMel::new(Ge2eMelOptions::default()).unwrap()
    }

    #[test]
    fn ge2e_mel_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Ge2eMel>();
    }

    #[test]
    fn volume_gain_reaches_target_and_only_increases() {
        let quiet = vec![0.001f32; 1000];
        let g = ge2e_volume_gain(&quiet, -30.0);
        let rms = f64::from(0.001f32) * g;
        assert!((20.0 * rms.log10() + 30.0).abs() < 1e-9);
        assert_eq!(ge2e_volume_gain(&[0.5; 100], -30.0), 1.0);
        assert_eq!(ge2e_volume_gain(&[0.0; 100], -30.0), 1.0);
        assert_eq!(ge2e_volume_gain(&[], -30.0), 1.0);
    }

    #[test]
    fn refuses_bad_input_and_options() {
        let g = ge2e();
        assert!(matches!(g.compute(&[]), Err(Error::EmptyInput { .. })));
        assert!(matches!(
            g.compute(&[0.0, f32::INFINITY]),
            Err(Error::NonFiniteSamples { index: 1 })
        ));
        assert!(g.compute_padded(&[0.1; 10], 9).is_err());
        assert!(g.compute_padded(&[0.1; 10], 10 + 25_600).is_ok());
        assert!(g.compute_padded(&[0.1; 10], 10 + 25_601).is_err());
        assert!(g.compute_padded(&[0.1; 10], usize::MAX).is_err());
        let bad = [
            Ge2eMelOptions {
                sample_rate: 0,
                ..Default::default()
            },
            Ge2eMelOptions {
                n_fft: 1,
                ..Default::default()
            },
            Ge2eMelOptions {
                hop_length: 0,
                ..Default::default()
            },
            Ge2eMelOptions {
                n_mels: 0,
                ..Default::default()
            },
            Ge2eMelOptions {
                n_mels: usize::MAX,
                ..Default::default()
            },
            Ge2eMelOptions {
                n_fft: usize::MAX,
                ..Default::default()
            },
            Ge2eMelOptions {
                fmax: Some(9000.0),
                ..Default::default()
            },
            Ge2eMelOptions {
                fmin: 9000.0,
                ..Default::default()
            },
            Ge2eMelOptions {
                target_dbfs: Some(f32::NAN),
                ..Default::default()
            },
        ];
        for o in bad {
            assert!(Ge2eMel::new(o.clone()).is_err(), "{o:?} accepted");
        }
    }

    #[test]
    fn short_input_gives_centred_frames() {
        let g = ge2e();
        assert_eq!(g.compute(&[0.1]).unwrap().num_frames(), 1);
        assert_eq!(g.compute(&[0.1; 159]).unwrap().num_frames(), 1);
        assert_eq!(g.compute(&[0.1; 160]).unwrap().num_frames(), 2);
        assert_eq!(
            g.compute_padded(&[0.1; 160], 25_600).unwrap().num_frames(),
            161
        );
    }

    #[test]
    fn silence_is_zero_power() {
        let f = ge2e().compute(&[0.0; 4000]).unwrap();
        assert!(f.as_slice().iter().all(|&v| v == 0.0));
    }

    #[test]
    fn partials_have_partial_length() {
        let x: Vec<f32> = (0..40_000).map(|i| (i as f32 * 0.05).sin() * 0.1).collect();
        let parts = ge2e().compute_partials(&x, 1.3, 0.75).unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.num_frames() == 160 && p.dim() == 40));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn shape_and_non_negative(samples in proptest::collection::vec(-1.0f32..=1.0, 1..3000)) {
            let f = ge2e().compute(&samples).unwrap();
            prop_assert_eq!(f.num_frames(), 1 + samples.len() / 160);
            prop_assert_eq!(f.dim(), 40);
            prop_assert!(f.as_slice().iter().all(|v| v.is_finite() && *v >= 0.0));
        }
    }
}
