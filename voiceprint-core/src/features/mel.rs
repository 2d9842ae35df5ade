//! Mel filterbanks, stored sparsely: Kaldi's (fbank) and librosa's Slaney
//! banks (GE2E).

use crate::error::{Error, Result};

/// Kaldi's mel scale, `1127 ln(1 + f / 700)` in `f32`
/// (kaldi/src/feat/mel-computations.h `MelBanks::MelScale`).
pub fn kaldi_mel_scale(freq: f32) -> f32 {
    1127.0 * (1.0 + freq / 700.0).ln()
}

/// Slaney's mel scale as `librosa.hz_to_mel(htk=False)`: linear below
/// 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4).
pub fn slaney_hz_to_mel(freq: f64) -> f64 {
    let linear = freq / SLANEY_HZ_PER_MEL;
    if freq >= SLANEY_MIN_LOG_HZ {
        SLANEY_MIN_LOG_MEL + (freq / SLANEY_MIN_LOG_HZ).ln() / slaney_log_step()
    } else {
        linear
    }
}

/// Inverse of [`slaney_hz_to_mel`], as `librosa.mel_to_hz(htk=False)`.
pub fn slaney_mel_to_hz(mel: f64) -> f64 {
    if mel >= SLANEY_MIN_LOG_MEL {
        SLANEY_MIN_LOG_HZ * (slaney_log_step() * (mel - SLANEY_MIN_LOG_MEL)).exp()
    } else {
        SLANEY_HZ_PER_MEL * mel
    }
}

// librosa/core/convert.py hz_to_mel: f_sp = 200 / 3, min_log_hz = 1000,
// min_log_mel = min_log_hz / f_sp, logstep = ln(6.4) / 27.
const SLANEY_HZ_PER_MEL: f64 = 200.0 / 3.0;
const SLANEY_MIN_LOG_HZ: f64 = 1000.0;
const SLANEY_MIN_LOG_MEL: f64 = SLANEY_MIN_LOG_HZ / SLANEY_HZ_PER_MEL;
fn slaney_log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Longest FFT a mel bank is built for: 2^16 points is 4 s at 16 kHz and
/// 85 ms at 768 kHz, far beyond any speech front end; the limit keeps a
/// mistyped option from allocating gigabytes.
pub const MAX_FFT_LEN: usize = 1 << 16;

/// One triangle: its weights from `first_bin` on; zero elsewhere.
#[derive(Debug, Clone, PartialEq)]
struct MelFilter {
    first_bin: usize,
    weights: Vec<f32>,
}

/// A mel filterbank over a one-sided power spectrum of `spectrum_len` bins
/// (`n_fft / 2 + 1`). Each filter keeps only its non-zero span, so applying
/// the bank costs about two multiply-adds per spectrum bin whatever the
/// number of filters.
///
/// ```
/// use voiceprint_core::features::MelBank;
///
/// // The GE2E bank: librosa.filters.mel(sr=16000, n_fft=400, n_mels=40).
/// let bank = MelBank::slaney(40, 400, 16000.0, 0.0, 8000.0)?;
/// let power = vec![1.0f32; bank.spectrum_len()];
/// let mut mel = vec![0.0f32; bank.num_filters()];
/// bank.apply(&power, &mut mel)?;
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MelBank {
    filters: Vec<MelFilter>,
    spectrum_len: usize,
}

impl MelBank {
    /// Kaldi's filterbank (kaldi-native-fbank `MelBanks::InitKaldiMelBanks`,
    /// `torchaudio.compliance.kaldi.get_mel_banks`): `num_bins` triangles
    /// equally spaced on [`kaldi_mel_scale`] between `low_freq` and
    /// `high_freq` (Hz), evaluated at the centre frequency of each FFT bin
    /// below Nyquist (the Nyquist bin always gets weight zero), peak 1, no
    /// area normalisation, all in `f32` as Kaldi does.
    ///
    /// `high_freq <= 0` means Nyquist plus `high_freq` (Kaldi's
    /// `--high-freq`). Fails with [`Error::InvalidArgument`] for fewer than 3
    /// bins, frequencies outside `[0, Nyquist]`, or a bank so dense that a
    /// triangle covers no FFT bin ("you may have set --num-mel-bins too large").
    pub fn kaldi(
        num_bins: usize,
        fft_len: usize,
        sample_rate: f32,
        low_freq: f32,
        high_freq: f32,
    ) -> Result<Self> {
        if num_bins < 3 {
            return Err(Error::invalid_argument(
                "num_mel_bins",
                format!("{num_bins} mel bins; Kaldi needs at least 3"),
            ));
        }
        if !((2..=MAX_FFT_LEN).contains(&fft_len) && sample_rate > 0.0 && sample_rate.is_finite()) {
            return Err(Error::invalid_argument(
                "fft_len",
                format!("cannot build a mel bank for a {fft_len}-point FFT at {sample_rate} Hz"),
            ));
        }
        let nyquist = 0.5 * sample_rate;
        let high = if high_freq > 0.0 {
            high_freq
        } else {
            nyquist + high_freq
        };
        if !(low_freq >= 0.0
            && low_freq < nyquist
            && high > 0.0
            && high <= nyquist
            && high > low_freq)
        {
            return Err(Error::invalid_argument(
                "low_freq",
                format!(
                    "mel band {low_freq} Hz to {high} Hz (high_freq {high_freq}) does not fit in 0 to {nyquist} Hz"
                ),
            ));
        }
        // Kaldi uses the bins below Nyquist only: num_fft_bins = padded / 2.
        let num_fft_bins = fft_len / 2;
        // Every FFT bin lies inside at most two of the half-overlapping open
        // triangles, so more than 2 * num_fft_bins bins must leave one empty
        // (which Kaldi refuses below); refusing early bounds the work.
        if num_bins > 2 * num_fft_bins {
            return Err(Error::invalid_argument(
                "num_mel_bins",
                format!("{num_bins} mel bins cannot all be non-empty over {num_fft_bins} FFT bins; use fewer mel bins or a longer frame"),
            ));
        }
        let bin_width = sample_rate / fft_len as f32;
        let mel_low = kaldi_mel_scale(low_freq);
        let mel_high = kaldi_mel_scale(high);
        // num_bins + 1 intervals: the outer triangles spread to the band edges.
        let delta = (mel_high - mel_low) / (num_bins + 1) as f32;
        let bin_mels: Vec<f32> = (0..num_fft_bins)
            .map(|i| kaldi_mel_scale(bin_width * i as f32))
            .collect();

        let mut filters = Vec::with_capacity(num_bins);
        for bin in 0..num_bins {
            let left = mel_low + bin as f32 * delta;
            let center = mel_low + (bin + 1) as f32 * delta;
            let right = mel_low + (bin + 2) as f32 * delta;
            let weight = |mel: f32| {
                if mel > left && mel < right {
                    Some(if mel <= center {
                        (mel - left) / (center - left)
                    } else {
                        (right - mel) / (right - center)
                    })
                } else {
                    None
                }
            };
            let first = bin_mels.iter().position(|&m| weight(m).is_some());
            let last = bin_mels.iter().rposition(|&m| weight(m).is_some());
            let (Some(first), Some(last)) = (first, last) else {
                return Err(Error::invalid_argument(
                    "num_mel_bins",
                    format!(
                        "mel bin {bin} of {num_bins} covers no FFT bin of a {fft_len}-point FFT; use fewer mel bins or a longer frame"
                    ),
                ));
            };
            let weights = bin_mels
                .get(first..=last)
                .unwrap_or(&[])
                .iter()
                .map(|&m| weight(m).unwrap_or(0.0))
                .collect();
            filters.push(MelFilter {
                first_bin: first,
                weights,
            });
        }
        Ok(Self {
            filters,
            spectrum_len: fft_len / 2 + 1,
        })
    }

    /// librosa's filterbank, `librosa.filters.mel(sr, n_fft, n_mels, fmin,
    /// fmax, htk=False, norm="slaney")`: triangles whose corners are equally
    /// spaced on [`slaney_hz_to_mel`], interpolated linearly in Hz over all
    /// `n_fft / 2 + 1` bins, each scaled by `2 / (f[i+2] - f[i])` (Slaney's
    /// constant energy per channel). Computed in `f64` and rounded to `f32`
    /// at the points where librosa stores `float32`.
    ///
    /// Like librosa, a filter that covers no FFT bin is kept (its output is
    /// zero) rather than refused.
    pub fn slaney(
        n_mels: usize,
        n_fft: usize,
        sample_rate: f64,
        fmin: f64,
        fmax: f64,
    ) -> Result<Self> {
        // More than two filters per FFT bin cannot all be non-empty; the bound
        // also keeps a mistyped option from allocating without limit.
        if !(2..=MAX_FFT_LEN).contains(&n_fft)
            || n_mels == 0
            || n_mels > 2 * (n_fft / 2 + 1)
            || !(sample_rate > 0.0 && sample_rate.is_finite())
        {
            return Err(Error::invalid_argument(
                "n_mels",
                format!(
                    "cannot build {n_mels} mel filters for a {n_fft}-point FFT at {sample_rate} Hz"
                ),
            ));
        }
        if !(fmin >= 0.0 && fmax > fmin && fmax.is_finite()) {
            return Err(Error::invalid_argument(
                "fmin",
                format!("mel band {fmin} Hz to {fmax} Hz is empty or invalid"),
            ));
        }
        let spectrum_len = n_fft / 2 + 1;
        // np.fft.rfftfreq(n_fft, 1 / sr): k * (1 / (n * d)).
        let val = 1.0 / (n_fft as f64 * (1.0 / sample_rate));
        let fft_freqs: Vec<f64> = (0..spectrum_len).map(|k| k as f64 * val).collect();
        // mel_frequencies: mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)).
        let (mel_min, mel_max) = (slaney_hz_to_mel(fmin), slaney_hz_to_mel(fmax));
        let points = n_mels + 2;
        let step = (mel_max - mel_min) / (points - 1) as f64;
        let mel_f: Vec<f64> = (0..points)
            .map(|i| {
                let mel = if i + 1 == points {
                    mel_max
                } else {
                    i as f64 * step + mel_min
                };
                slaney_mel_to_hz(mel)
            })
            .collect();

        let mut filters = Vec::with_capacity(n_mels);
        for corners in mel_f.windows(3) {
            let &[lo, mid, hi] = corners else { continue };
            let (fdiff_lo, fdiff_hi) = (mid - lo, hi - mid);
            let enorm = 2.0 / (hi - lo);
            let weights: Vec<f32> = fft_freqs
                .iter()
                .map(|&f| {
                    let lower = -(lo - f) / fdiff_lo;
                    let upper = (hi - f) / fdiff_hi;
                    // librosa stores the triangle as float32, then scales it in place.
                    let w = lower.min(upper).max(0.0) as f32;
                    (f64::from(w) * enorm) as f32
                })
                .collect();
            let first = weights.iter().position(|&w| w != 0.0);
            let last = weights.iter().rposition(|&w| w != 0.0);
            filters.push(match (first, last) {
                (Some(first), Some(last)) => MelFilter {
                    first_bin: first,
                    weights: weights.get(first..=last).unwrap_or(&[]).to_vec(),
                },
                _ => MelFilter {
                    first_bin: 0,
                    weights: Vec::new(),
                },
            });
        }
        Ok(Self {
            filters,
            spectrum_len,
        })
    }

    /// Number of filters (mel bins).
    pub fn num_filters(&self) -> usize {
        self.filters.len()
    }

    /// Length of the power spectrum the bank expects (`n_fft / 2 + 1`).
    pub fn spectrum_len(&self) -> usize {
        self.spectrum_len
    }

    /// Filter `i` as `(first FFT bin, weights from there)`; `None` past the end.
    pub fn filter(&self, i: usize) -> Option<(usize, &[f32])> {
        self.filters
            .get(i)
            .map(|f| (f.first_bin, f.weights.as_slice()))
    }

    /// The bank as a dense row-major `[num_filters, spectrum_len]` matrix,
    /// the layout of `librosa.filters.mel` (for inspection and tests).
    pub fn to_dense(&self) -> Vec<f32> {
        let mut dense = vec![0.0f32; self.filters.len() * self.spectrum_len];
        for (row, f) in dense
            .chunks_exact_mut(self.spectrum_len.max(1))
            .zip(&self.filters)
        {
            if let Some(span) = row.get_mut(f.first_bin..f.first_bin + f.weights.len()) {
                span.copy_from_slice(&f.weights);
            }
        }
        dense
    }

    /// Mel energies of one power spectrum: `out[m] = Σ_k w[m][k] power[k]`,
    /// summed in `f32` in bin order as Kaldi does.
    ///
    /// Fails with [`Error::DimensionMismatch`] when `power` does not have
    /// [`spectrum_len`](Self::spectrum_len) values or `out` does not have
    /// [`num_filters`](Self::num_filters).
    pub fn apply(&self, power: &[f32], out: &mut [f32]) -> Result<()> {
        if power.len() != self.spectrum_len {
            return Err(Error::DimensionMismatch {
                expected: self.spectrum_len,
                actual: power.len(),
            });
        }
        if out.len() != self.filters.len() {
            return Err(Error::DimensionMismatch {
                expected: self.filters.len(),
                actual: out.len(),
            });
        }
        for (o, f) in out.iter_mut().zip(&self.filters) {
            // Spans were built inside the spectrum, so `get` always succeeds.
            let span = power.get(f.first_bin..).unwrap_or(&[]);
            *o = f.weights.iter().zip(span).map(|(w, p)| w * p).sum();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_round_trips_and_is_continuous() {
        for f in [0.0, 100.0, 999.0, 1000.0, 1001.0, 4000.0, 8000.0, 22050.0] {
            assert!((slaney_mel_to_hz(slaney_hz_to_mel(f)) - f).abs() < 1e-9 * f.max(1.0));
        }
        assert!((slaney_hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((slaney_hz_to_mel(1000.0 - 1e-9) - 15.0).abs() < 1e-9);
    }

    #[test]
    fn kaldi_scale_known_values() {
        assert_eq!(kaldi_mel_scale(0.0), 0.0);
        // 1127 ln(2) at 700 Hz.
        assert!((kaldi_mel_scale(700.0) - 781.176_9).abs() < 1e-3);
    }

    #[test]
    fn kaldi_bank_shape_and_peaks() {
        let bank = MelBank::kaldi(80, 512, 16000.0, 20.0, 0.0).unwrap();
        assert_eq!(bank.num_filters(), 80);
        assert_eq!(bank.spectrum_len(), 257);
        let dense = bank.to_dense();
        for m in 0..80 {
            let row = &dense[m * 257..(m + 1) * 257];
            let max = row.iter().cloned().fold(0.0f32, f32::max);
            assert!(max > 0.0 && max <= 1.0, "filter {m} peak {max}");
            assert_eq!(row[256], 0.0, "Kaldi never uses the Nyquist bin");
            let (first, w) = bank.filter(m).unwrap();
            assert!(w[0] > 0.0 && *w.last().unwrap() > 0.0);
            assert!(first + w.len() <= 256);
        }
        // Triangles overlap by half: the first bins of filter m+1 lie inside filter m.
        let (f0, w0) = bank.filter(10).unwrap();
        let (f1, _) = bank.filter(11).unwrap();
        assert!(f1 > f0 && f1 < f0 + w0.len());
    }

    #[test]
    fn kaldi_bank_refuses_bad_options() {
        assert!(MelBank::kaldi(2, 512, 16000.0, 20.0, 0.0).is_err());
        assert!(MelBank::kaldi(80, 512, 16000.0, 20.0, 9000.0).is_err());
        assert!(MelBank::kaldi(80, 512, 16000.0, 8000.0, 0.0).is_err());
        assert!(MelBank::kaldi(80, 512, 16000.0, 20.0, -8000.0).is_err());
        assert!(MelBank::kaldi(80, 512, 0.0, 20.0, 0.0).is_err());
        // Too many bins for the resolution: some triangle covers no FFT bin.
        assert!(MelBank::kaldi(200, 64, 16000.0, 20.0, 0.0).is_err());
    }

    #[test]
    fn slaney_bank_matches_librosa_reference_values() {
        // librosa 0.11 `librosa.filters.mel(sr=16000, n_fft=400, n_mels=40)`:
        // (row, first and last non-zero bin, first three non-zero weights).
        let reference: [(usize, usize, usize, [f64; 3]); 3] = [
            (
                0,
                1,
                3,
                [
                    0.007390209473669529,
                    0.012404520995914936,
                    0.005014311522245407,
                ],
            ),
            (
                20,
                41,
                47,
                [
                    0.0008176397532224655,
                    0.00316024012863636,
                    0.0055028400383889675,
                ],
            ),
            (
                39,
                172,
                199,
                [
                    2.0722594854305498e-05,
                    0.00015181626076810062,
                    0.0002829099539667368,
                ],
            ),
        ];
        let bank = MelBank::slaney(40, 400, 16000.0, 0.0, 8000.0).unwrap();
        assert_eq!(bank.spectrum_len(), 201);
        for (row, first, last, w3) in reference {
            let (f, w) = bank.filter(row).unwrap();
            assert_eq!((f, f + w.len() - 1), (first, last), "row {row}");
            for (a, b) in w.iter().zip(w3) {
                assert!(
                    (f64::from(*a) - b).abs() <= 1e-7 * b,
                    "row {row}: {a} vs {b}"
                );
            }
        }
        // The Nyquist bin sits on the upper edge of the last triangle: weight 0.
        let dense = bank.to_dense();
        assert_eq!(dense[39 * 201 + 200], 0.0);
    }

    #[test]
    fn apply_checks_lengths_and_sums() {
        let bank = MelBank::kaldi(23, 512, 16000.0, 20.0, 0.0).unwrap();
        let mut out = vec![0.0; 23];
        assert!(bank.apply(&[1.0; 256], &mut out).is_err());
        assert!(bank.apply(&[1.0; 257], &mut out[..22]).is_err());
        bank.apply(&[1.0; 257], &mut out).unwrap();
        let (_, w) = bank.filter(5).unwrap();
        assert!((out[5] - w.iter().sum::<f32>()).abs() < 1e-6);
    }
}
