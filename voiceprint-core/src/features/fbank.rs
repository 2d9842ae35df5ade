//! Kaldi-compatible log mel filterbank features ([`Fbank`]).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::fbank_options::{FbankOptions, FeatureNormalization};
use super::framing::FrameLayout;
use super::matrix::Features;
use super::mel::MelBank;
use crate::error::{Error, Result};

/// Lowest and highest sample rate the front ends accept.
pub(crate) const MIN_SAMPLE_RATE: u32 = 1_000;
pub(crate) const MAX_SAMPLE_RATE: u32 = 768_000;

/// Kaldi's log floor, `std::numeric_limits<float>::epsilon()`
/// (kaldi-native-fbank `FbankComputer::Compute`): `ln(ε) ≈ -15.94` is the
/// value of a silent bin.
pub const LOG_FLOOR: f32 = f32::EPSILON;

/// The fbank front end of 3D-Speaker, WeSpeaker and sherpa-onnx speaker
/// models, equal to kaldi-native-fbank and `torchaudio.compliance.kaldi.fbank`
/// (see `tests/features_golden.rs`: max |Δ| well under 1e-3 on real speech).
///
/// Per frame: scale -> remove DC -> pre-emphasis -> window -> zero-pad to
/// the FFT length -> power spectrum -> mel bank -> `ln(max(x, ε))`, then
/// the optional mean normalisation over the utterance.
///
/// Building one precomputes the window, the sparse mel bank and the FFT
/// plan; [`compute`](Self::compute) only allocates its output and one set
/// of scratch buffers per call, so one `Fbank` is shared by all threads
/// (`Send + Sync`).
///
/// ```
/// use voiceprint_core::features::{Fbank, FbankOptions};
///
/// let fbank = Fbank::new(FbankOptions::three_d_speaker())?;
/// let one_second = vec![0.01f32; 16_000];
/// let feats = fbank.compute(&one_second)?;
/// assert_eq!((feats.num_frames(), feats.dim()), (98, 80));
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Fbank {
    opts: FbankOptions,
    layout: FrameLayout,
    window: Vec<f32>,
    mel: MelBank,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl std::fmt::Debug for Fbank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fbank")
            .field("opts", &self.opts)
            .field("fft_len", &self.fft.len())
            .finish_non_exhaustive()
    }
}

impl Fbank {
    /// Checks `opts` and precomputes what every frame needs.
    ///
    /// Fails with [`Error::InvalidSampleRate`] for a rate outside 1 kHz to
    /// 768 kHz and [`Error::InvalidArgument`] for a frame shorter than 2
    /// samples or a zero shift, a pre-emphasis outside `[0, 1]`, a scale that
    /// is not a positive finite number, a non-zero dither, or a mel band
    /// that does not fit the sample rate and FFT length.
    pub fn new(opts: FbankOptions) -> Result<Self> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&opts.sample_rate) {
            return Err(Error::InvalidSampleRate {
                rate: opts.sample_rate,
                min: MIN_SAMPLE_RATE,
                max: MAX_SAMPLE_RATE,
            });
        }
        let size = opts.window_size();
        let shift = opts.window_shift();
        if size < 2 {
            return Err(Error::invalid_argument(
                "frame_length_ms",
                format!(
                    "{} ms is {size} samples at {} Hz; a frame needs at least 2",
                    opts.frame_length_ms, opts.sample_rate
                ),
            ));
        }
        if shift < 1 {
            return Err(Error::invalid_argument(
                "frame_shift_ms",
                format!(
                    "{} ms is less than one sample at {} Hz",
                    opts.frame_shift_ms, opts.sample_rate
                ),
            ));
        }
        if !(0.0..=1.0).contains(&opts.preemphasis) {
            return Err(Error::invalid_argument(
                "preemphasis",
                format!("{} is outside [0, 1]", opts.preemphasis),
            ));
        }
        if !(opts.sample_scale.is_finite() && opts.sample_scale > 0.0) {
            return Err(Error::invalid_argument(
                "sample_scale",
                format!("{} is not a positive finite number", opts.sample_scale),
            ));
        }
        if opts.dither != 0.0 {
            return Err(Error::invalid_argument(
                "dither",
                "dither is not supported: speaker-model inference runs without it; set 0.0",
            ));
        }
        let fft_len = opts.padded_window_size();
        let mel = MelBank::kaldi(
            opts.num_mel_bins,
            fft_len,
            opts.sample_rate as f32,
            opts.low_freq,
            opts.high_freq,
        )?;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(fft_len);
        Ok(Self {
            layout: FrameLayout {
                size,
                shift,
                snip_edges: opts.snip_edges,
            },
            window: opts.window.coefficients(size),
            mel,
            fft,
            opts,
        })
    }

    /// The options this front end was built with.
    pub fn options(&self) -> &FbankOptions {
        &self.opts
    }

    /// Columns of the output (mel bins, plus one with `use_energy`).
    pub fn dim(&self) -> usize {
        self.opts.dim()
    }

    /// Frames [`compute`](Self::compute) gives for `num_samples` samples:
    /// `1 + (n - window) / shift` (0 below one window) with `snip_edges`,
    /// `round(n / shift)` without (Kaldi's `NumFrames`).
    pub fn num_frames(&self, num_samples: usize) -> usize {
        self.layout.num_frames(num_samples)
    }

    /// Features of `samples` (mono, at `options().sample_rate`, in `[-1, 1]`
    /// unless `sample_scale` says otherwise), shape `[num_frames(n), dim()]`.
    ///
    /// Fails with [`Error::EmptyInput`] for no samples,
    /// [`Error::NonFiniteSamples`] for NaN or infinity, and
    /// [`Error::AudioTooShort`] when the samples do not fill one frame
    /// (25 ms with `snip_edges`, half a shift without).
    pub fn compute(&self, samples: &[f32]) -> Result<Features> {
        if samples.is_empty() {
            return Err(Error::EmptyInput { what: "audio" });
        }
        if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteSamples { index });
        }
        let num_frames = self.num_frames(samples.len());
        if num_frames == 0 {
            let rate = self.opts.sample_rate as f32;
            return Err(Error::AudioTooShort {
                seconds: samples.len() as f32 / rate,
                minimum: self.layout.min_samples() as f32 / rate,
            });
        }
        let dim = self.dim();
        num_frames.checked_mul(dim).ok_or(Error::InputTooLarge {
            what: "audio",
            actual: num_frames as u64,
            limit: (usize::MAX / dim.max(1)) as u64,
            unit: "frames",
        })?;

        let mut feats = Features::zeros(num_frames, dim);
        let mut scratch = FrameScratch::new(self.fft.as_ref());
        let mel_offset = usize::from(self.opts.use_energy);
        for (frame, row) in feats.rows_mut().enumerate() {
            let log_energy = self.frame_power_spectrum(samples, frame, &mut scratch)?;
            let (energy_col, mel_row) = row.split_at_mut(mel_offset);
            self.mel.apply(&scratch.power, mel_row)?;
            for v in mel_row.iter_mut() {
                *v = v.max(LOG_FLOOR).ln();
            }
            if let Some(e) = energy_col.first_mut() {
                *e = log_energy;
            }
        }
        if self.opts.normalization == FeatureNormalization::MeanOverTime {
            feats.subtract_mean();
        }
        Ok(feats)
    }

    /// Kaldi's `ExtractWindow` + `ProcessWindow` + FFT for one frame; leaves
    /// the power spectrum in `scratch.power` and returns the raw log energy
    /// (after DC removal, before pre-emphasis).
    fn frame_power_spectrum(
        &self,
        samples: &[f32],
        frame: usize,
        scratch: &mut FrameScratch,
    ) -> Result<f32> {
        let size = self.layout.size.min(scratch.frame.len());
        let (head, tail) = scratch.frame.split_at_mut(size);
        self.layout
            .extract(samples, frame, self.opts.sample_scale, head);
        tail.fill(0.0);

        if self.opts.remove_dc_offset {
            // Summed in f32 in order, as kaldi-native-fbank's RemoveDcOffset.
            let mean = head.iter().sum::<f32>() / head.len() as f32;
            head.iter_mut().for_each(|x| *x -= mean);
        }
        let log_energy = if self.opts.use_energy {
            head.iter().map(|x| x * x).sum::<f32>().max(LOG_FLOOR).ln()
        } else {
            0.0
        };
        let p = self.opts.preemphasis;
        if p != 0.0 {
            // Kaldi's Preemphasize: x[i] -= p x[i-1] with the original x[i-1]
            // (it runs from the end), and x[0] -= p x[0].
            let mut prev = head.first().copied().unwrap_or(0.0);
            for x in head.iter_mut() {
                let cur = *x;
                *x = cur - p * prev;
                prev = cur;
            }
        }
        for (x, w) in head.iter_mut().zip(&self.window) {
            *x *= w;
        }

        self.fft
            .process_with_scratch(
                &mut scratch.frame,
                &mut scratch.spectrum,
                &mut scratch.fft_scratch,
            )
            .map_err(|e| Error::invalid_argument("samples", format!("FFT failed: {e}")))?;
        for (p, c) in scratch.power.iter_mut().zip(&scratch.spectrum) {
            *p = c.norm_sqr();
        }
        Ok(log_energy)
    }
}

/// Buffers reused for every frame of one [`Fbank::compute`] call.
struct FrameScratch {
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    fft_scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
}

impl FrameScratch {
    fn new(fft: &dyn RealToComplex<f32>) -> Self {
        let spectrum = fft.make_output_vec();
        Self {
            frame: fft.make_input_vec(),
            power: vec![0.0; spectrum.len()],
            spectrum,
            fft_scratch: fft.make_scratch_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::WindowType;
    use proptest::prelude::*;

    fn sine(n: usize, freq: f32, amp: f32) -> Vec<f32> {
        (0..n)
            .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / 16_000.0).sin())
            .collect()
    }

    #[test]
    fn fbank_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Fbank>();
    }

    #[test]
    fn refuses_bad_input_without_panicking() {
        let fbank = Fbank::new(FbankOptions::three_d_speaker()).unwrap();
        assert!(matches!(fbank.compute(&[]), Err(Error::EmptyInput { .. })));
        assert!(matches!(
            fbank.compute(&[0.0; 399]),
            Err(Error::AudioTooShort { .. })
        ));
        let mut x = vec![0.0; 1000];
        x[7] = f32::NAN;
        assert!(matches!(
            fbank.compute(&x),
            Err(Error::NonFiniteSamples { index: 7 })
        ));
        let sherpa = Fbank::new(FbankOptions::sherpa_onnx()).unwrap();
        assert!(matches!(
            sherpa.compute(&[0.1; 79]),
            Err(Error::AudioTooShort { .. })
        ));
        assert_eq!(sherpa.compute(&[0.1; 80]).unwrap().num_frames(), 1);
        assert_eq!(sherpa.compute(&[0.1; 1]).map(|f| f.num_frames()).ok(), None);
    }

    #[test]
    fn refuses_bad_options() {
        let base = FbankOptions::three_d_speaker();
        let bad = [
            FbankOptions {
                sample_rate: 0,
                ..base.clone()
            },
            FbankOptions {
                frame_length_ms: 0.0,
                ..base.clone()
            },
            FbankOptions {
                frame_shift_ms: 0.0,
                ..base.clone()
            },
            FbankOptions {
                preemphasis: 1.5,
                ..base.clone()
            },
            FbankOptions {
                sample_scale: 0.0,
                ..base.clone()
            },
            FbankOptions {
                sample_scale: f32::NAN,
                ..base.clone()
            },
            FbankOptions {
                dither: 1.0,
                ..base.clone()
            },
            FbankOptions {
                num_mel_bins: 2,
                ..base.clone()
            },
            FbankOptions {
                high_freq: 9000.0,
                ..base.clone()
            },
            FbankOptions {
                num_mel_bins: 400,
                ..base.clone()
            },
            FbankOptions {
                num_mel_bins: usize::MAX,
                ..base.clone()
            },
            FbankOptions {
                frame_length_ms: 1e9,
                ..base.clone()
            },
        ];
        for opts in bad {
            assert!(Fbank::new(opts.clone()).is_err(), "{opts:?} was accepted");
        }
        assert!(matches!(
            Fbank::new(FbankOptions {
                sample_rate: 0,
                ..base
            }),
            Err(Error::InvalidSampleRate { .. })
        ));
    }

    #[test]
    fn silence_gives_the_floor() {
        let opts = FbankOptions {
            normalization: FeatureNormalization::None,
            use_energy: true,
            ..FbankOptions::three_d_speaker()
        };
        let feats = Fbank::new(opts).unwrap().compute(&[0.0; 16_000]).unwrap();
        let floor = LOG_FLOOR.ln();
        assert!(feats.as_slice().iter().all(|&v| v == floor));
    }

    #[test]
    fn a_tone_peaks_in_its_mel_bin() {
        let opts = FbankOptions {
            normalization: FeatureNormalization::None,
            ..FbankOptions::three_d_speaker()
        };
        let fbank = Fbank::new(opts).unwrap();
        let feats = fbank.compute(&sine(16_000, 1000.0, 0.5)).unwrap();
        let row = feats.row(50);
        let peak = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap();
        // Bin centres: mel_low + (m + 1) * delta on 1127 ln(1 + f/700).
        let mel = crate::features::kaldi_mel_scale;
        let delta = (mel(8000.0) - mel(20.0)) / 81.0;
        let expected = ((mel(1000.0) - mel(20.0)) / delta - 1.0).round() as usize;
        assert!(
            peak.abs_diff(expected) <= 1,
            "peak {peak}, expected {expected}"
        );
    }

    #[test]
    fn energy_column_is_raw_log_energy() {
        let opts = FbankOptions {
            normalization: FeatureNormalization::None,
            use_energy: true,
            window: WindowType::Hamming,
            ..FbankOptions::three_d_speaker()
        };
        let fbank = Fbank::new(opts).unwrap();
        assert_eq!(fbank.dim(), 81);
        let x = sine(800, 440.0, 0.25);
        let feats = fbank.compute(&x).unwrap();
        let frame = &x[160..560];
        let mean = frame.iter().sum::<f32>() / 400.0;
        let energy: f32 = frame.iter().map(|v| (v - mean) * (v - mean)).sum();
        assert!((feats.row(1)[0] - energy.ln()).abs() < 1e-4);
    }

    #[test]
    fn scale_shifts_log_mels() {
        let base = FbankOptions {
            normalization: FeatureNormalization::None,
            ..FbankOptions::three_d_speaker()
        };
        let x = sine(4000, 300.0, 0.3);
        let a = Fbank::new(base.clone()).unwrap().compute(&x).unwrap();
        let b = Fbank::new(FbankOptions {
            sample_scale: 32768.0,
            ..base
        })
        .unwrap()
        .compute(&x)
        .unwrap();
        let shift = 2.0 * 32768f32.ln();
        for (va, vb) in a.as_slice().iter().zip(b.as_slice()) {
            if *va > -10.0 {
                assert!((vb - va - shift).abs() < 1e-3);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn shape_and_finite_for_bounded_input(
            samples in proptest::collection::vec(-1.0f32..=1.0, 0..3000),
            snip in any::<bool>(),
            hamming in any::<bool>(),
            energy in any::<bool>(),
        ) {
            let opts = FbankOptions {
                snip_edges: snip,
                window: if hamming { WindowType::Hamming } else { WindowType::Povey },
                use_energy: energy,
                normalization: FeatureNormalization::None,
                ..FbankOptions::three_d_speaker()
            };
            let fbank = Fbank::new(opts).unwrap();
            let expected = if snip {
                if samples.len() < 400 { 0 } else { 1 + (samples.len() - 400) / 160 }
            } else {
                (samples.len() + 80) / 160
            };
            prop_assert_eq!(fbank.num_frames(samples.len()), expected);
            match fbank.compute(&samples) {
                Ok(f) => {
                    prop_assert_eq!(f.num_frames(), expected);
                    prop_assert_eq!(f.dim(), 80 + usize::from(energy));
                    prop_assert!(f.as_slice().iter().all(|v| v.is_finite() && *v >= LOG_FLOOR.ln()));
                }
                Err(Error::EmptyInput { .. }) => prop_assert!(samples.is_empty()),
                Err(Error::AudioTooShort { .. }) => prop_assert_eq!(expected, 0),
                Err(e) => prop_assert!(false, "unexpected error {}", e),
            }
        }

        #[test]
        fn mean_normalised_columns_average_zero(
            samples in proptest::collection::vec(-1.0f32..=1.0, 400..4000),
        ) {
            let fbank = Fbank::new(FbankOptions::wespeaker()).unwrap();
            let f = fbank.compute(&samples).unwrap();
            for c in 0..f.dim() {
                let mean = f.rows().map(|r| f64::from(r[c])).sum::<f64>() / f.num_frames() as f64;
                prop_assert!(mean.abs() < 1e-4, "column {} mean {}", c, mean);
            }
        }
    }
}
