//! Short-time spectra: magnitude STFT, log-mel spectrogram and the
//! multi-resolution STFT distance (spectral convergence plus log-magnitude
//! L1, as in Yamamoto et al.'s Parallel WaveGAN loss and auraloss), through
//! realfft.

use ndarray::Array2;
use realfft::RealFftPlanner;
use serde::{Deserialize, Serialize};

use crate::features::{periodic_hann, MelBank, MAX_FFT_LEN};
use crate::{Error, Result};

/// One STFT resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StftResolution {
    /// FFT (and window) length in samples.
    pub n_fft: usize,
    /// Hop between frames in samples.
    pub hop: usize,
}

impl StftResolution {
    fn validate(&self) -> Result<()> {
        if !(16..=MAX_FFT_LEN).contains(&self.n_fft) || self.hop == 0 || self.hop > self.n_fft {
            return Err(Error::invalid_argument(
                "resolution",
                format!(
                    "n_fft {} / hop {}: n_fft must be 16..={MAX_FFT_LEN} and hop 1..=n_fft",
                    self.n_fft, self.hop
                ),
            ));
        }
        Ok(())
    }
}

/// The default multi-resolution set: (512, 128), (1024, 256), (2048, 512).
pub fn default_resolutions() -> Vec<StftResolution> {
    [(512, 128), (1024, 256), (2048, 512)]
        .into_iter()
        .map(|(n_fft, hop)| StftResolution { n_fft, hop })
        .collect()
}

/// Magnitude STFT `[frames, n_fft / 2 + 1]` with a periodic Hann window;
/// frames start at 0 and step by `hop` while a whole window fits (one
/// zero-padded frame for a signal shorter than the window).
pub fn magnitude_stft(samples: &[f32], resolution: StftResolution) -> Result<Array2<f32>> {
    resolution.validate()?;
    if samples.is_empty() {
        return Err(Error::EmptyInput { what: "audio" });
    }
    let StftResolution { n_fft, hop } = resolution;
    let frames = if samples.len() <= n_fft {
        1
    } else {
        (samples.len() - n_fft) / hop + 1
    };
    let bins = n_fft / 2 + 1;
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
    let window: Vec<f32> = periodic_hann(n_fft).iter().map(|&w| w as f32).collect();
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let mut out = Array2::<f32>::zeros((frames, bins));
    for (f, mut row) in out.rows_mut().into_iter().enumerate() {
        let start = f * hop;
        let part = samples
            .get(start..(start + n_fft).min(samples.len()))
            .unwrap_or(&[]);
        for ((dst, &x), &w) in input.iter_mut().zip(part).zip(&window) {
            *dst = x * w;
        }
        for dst in input.iter_mut().skip(part.len()) {
            *dst = 0.0;
        }
        fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
            .map_err(|e| Error::invalid_argument("fft", e.to_string()))?;
        for (o, c) in row.iter_mut().zip(&spectrum) {
            *o = c.norm();
        }
    }
    Ok(out)
}

/// Options of [`log_mel_spectrogram`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MelOptions {
    /// Mel bins (Slaney scale and normalisation, as librosa).
    pub n_mels: usize,
    /// FFT length.
    pub n_fft: usize,
    /// Hop.
    pub hop: usize,
    /// Lowest frequency, Hz.
    pub fmin: f64,
    /// Highest frequency, Hz; `None` for Nyquist.
    pub fmax: Option<f64>,
}

impl Default for MelOptions {
    /// 64 bins, 2048-point FFT, hop 512, 0 Hz to Nyquist.
    fn default() -> Self {
        MelOptions {
            n_mels: 64,
            n_fft: 2048,
            hop: 512,
            fmin: 0.0,
            fmax: None,
        }
    }
}

/// Log-mel power floor: powers below 1e-10 (−100 dB) read −100 dB.
pub const MEL_FLOOR_DB: f32 = -100.0;

/// Log-mel spectrogram `[frames, n_mels]` in dB (`10 log10` of mel power,
/// floored at [`MEL_FLOOR_DB`]), like `librosa.power_to_db(melspectrogram(
/// center=False), ref=1, top_db=None)`.
///
/// ```
/// use voiceprint_core::style::{log_mel_spectrogram, MelOptions};
/// let tone: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.1).sin()).collect();
/// let mel = log_mel_spectrogram(&tone, 48_000, &MelOptions::default())?;
/// assert_eq!(mel.ncols(), 64);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn log_mel_spectrogram(
    samples: &[f32],
    sample_rate: u32,
    opts: &MelOptions,
) -> Result<Array2<f32>> {
    let bank = MelBank::slaney(
        opts.n_mels,
        opts.n_fft,
        f64::from(sample_rate),
        opts.fmin,
        opts.fmax.unwrap_or(f64::from(sample_rate) / 2.0),
    )?;
    let mag = magnitude_stft(
        samples,
        StftResolution {
            n_fft: opts.n_fft,
            hop: opts.hop,
        },
    )?;
    let mut out = Array2::<f32>::zeros((mag.nrows(), opts.n_mels));
    let mut power = vec![0.0f32; mag.ncols()];
    let mut mel = vec![0.0f32; opts.n_mels];
    for (row, mut dst) in mag.rows().into_iter().zip(out.rows_mut()) {
        for (p, &m) in power.iter_mut().zip(row.iter()) {
            *p = m * m;
        }
        bank.apply(&power, &mut mel)?;
        for (d, &e) in dst.iter_mut().zip(&mel) {
            *d = (10.0 * e.max(1e-10).log10()).max(MEL_FLOOR_DB);
        }
    }
    Ok(out)
}

/// The two terms of the multi-resolution STFT distance, averaged over the
/// resolutions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpectralDistance {
    /// `‖|Y| − |X|‖_F / ‖|Y|‖_F` (reference `Y`, target `X`): 0 for equal
    /// magnitudes.
    pub spectral_convergence: f64,
    /// Mean `|ln(|Y| + ε) − ln(|X| + ε)|`, ε = 1e-7.
    pub log_magnitude_l1: f64,
}

/// Multi-resolution STFT distance between frame-aligned signals (both at
/// one rate; the longer is cut to the shorter).
pub fn multi_resolution_stft_distance(
    target: &[f32],
    reference: &[f32],
    resolutions: &[StftResolution],
) -> Result<SpectralDistance> {
    if resolutions.is_empty() {
        return Err(Error::invalid_argument(
            "resolutions",
            "give at least one STFT resolution",
        ));
    }
    let n = target.len().min(reference.len());
    let (x, y) = (
        target.get(..n).unwrap_or(&[]),
        reference.get(..n).unwrap_or(&[]),
    );
    let (mut sc, mut l1) = (0.0f64, 0.0f64);
    for &r in resolutions {
        let (mx, my) = (magnitude_stft(x, r)?, magnitude_stft(y, r)?);
        let (mut diff, mut norm, mut log_sum) = (0.0f64, 0.0f64, 0.0f64);
        for (&a, &b) in mx.iter().zip(my.iter()) {
            let (a, b) = (f64::from(a), f64::from(b));
            diff += (b - a) * (b - a);
            norm += b * b;
            log_sum += ((b + 1e-7).ln() - (a + 1e-7).ln()).abs();
        }
        sc += if norm > 0.0 {
            (diff / norm).sqrt()
        } else if diff > 0.0 {
            1.0
        } else {
            0.0
        };
        l1 += log_sum / mx.len().max(1) as f64;
    }
    let k = resolutions.len() as f64;
    Ok(SpectralDistance {
        spectral_convergence: sc / k,
        log_magnitude_l1: l1 / k,
    })
}

/// Mean absolute difference of two frame-aligned log-mel spectrograms, dB.
pub fn log_mel_distance(a: &Array2<f32>, b: &Array2<f32>) -> f64 {
    let frames = a.nrows().min(b.nrows());
    let bins = a.ncols().min(b.ncols());
    let mut sum = 0.0f64;
    for f in 0..frames {
        for m in 0..bins {
            sum += f64::from((a[[f, m]] - b[[f, m]]).abs());
        }
    }
    sum / (frames * bins).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_signals_are_at_zero_distance_and_a_gain_is_not() {
        let x: Vec<f32> = (0..20_000)
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let half: Vec<f32> = x.iter().map(|v| v * 0.5).collect();
        let d = multi_resolution_stft_distance(&x, &x, &default_resolutions()).unwrap();
        assert_eq!(d.spectral_convergence, 0.0);
        assert_eq!(d.log_magnitude_l1, 0.0);
        let d = multi_resolution_stft_distance(&half, &x, &default_resolutions()).unwrap();
        assert!((d.spectral_convergence - 0.5).abs() < 1e-3, "{d:?}");
        assert!((d.log_magnitude_l1 - 2f64.ln()).abs() < 0.05, "{d:?}");
    }

    #[test]
    fn mel_of_a_tone_peaks_near_its_frequency() {
        let rate = 48_000u32;
        let tone: Vec<f32> = (0..rate)
            .map(|i| (2.0 * std::f32::consts::PI * 3000.0 * i as f32 / rate as f32).sin())
            .collect();
        let mel = log_mel_spectrogram(&tone, rate, &MelOptions::default()).unwrap();
        let row = mel.row(3);
        let peak = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap();
        let centres: Vec<f64> = (0..66)
            .map(|i| {
                let lo = crate::features::slaney_hz_to_mel(0.0);
                let hi = crate::features::slaney_hz_to_mel(24_000.0);
                crate::features::slaney_mel_to_hz(lo + (hi - lo) * i as f64 / 65.0)
            })
            .collect();
        assert!(
            centres[peak] < 3000.0 && centres[peak + 2] > 3000.0,
            "peak bin {peak}"
        );
        assert!(log_mel_spectrogram(&[], rate, &MelOptions::default()).is_err());
    }
}
