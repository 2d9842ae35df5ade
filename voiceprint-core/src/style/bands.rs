//! Long-term average spectrum in 1/3-octave bands (IEC 61260 base-10
//! centres, 25 Hz to 20 kHz), from a Welch periodogram.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use crate::features::periodic_hann;
use crate::{Error, Result};

/// Number of 1/3-octave bands, 25 Hz to 20 kHz.
pub const THIRD_OCTAVE_BANDS: usize = 30;

/// Band levels below this are reported as this (digital silence), so a
/// level is never minus infinity or NaN.
pub const BAND_FLOOR_DB: f32 = -150.0;

/// Exact base-10 centre frequencies `1000 · 10^(k/10)`, `k = -16 ..= 13`
/// (nominal 25 Hz ... 20 kHz).
///
/// ```
/// let c = voiceprint_core::style::third_octave_centres();
/// assert_eq!(c.len(), 30);
/// assert!((c[16] - 1000.0).abs() < 1e-9);
/// ```
pub fn third_octave_centres() -> [f64; THIRD_OCTAVE_BANDS] {
    std::array::from_fn(|i| 1000.0 * 10f64.powf((i as f64 - 16.0) / 10.0))
}

/// Lower and upper edge of the band centred on `centre`: `fc · 10^(∓1/20)`.
pub fn band_edges(centre: f64) -> (f64, f64) {
    let half = 10f64.powf(1.0 / 20.0);
    (centre / half, centre * half)
}

/// How many bands lie wholly below the Nyquist frequency of `sample_rate`.
pub fn bands_below_nyquist(sample_rate: u32) -> usize {
    let nyquist = f64::from(sample_rate) / 2.0;
    third_octave_centres()
        .iter()
        .take_while(|&&c| band_edges(c).1 <= nyquist)
        .count()
}

/// Welch estimate of each band's mean-square level (dBFS: a full-scale sine
/// is -3 dB in its band), averaged over `channels`.
///
/// Frames of `n_fft` samples (the smallest power of two giving bins of 3 Hz
/// or finer, so the 25 Hz band holds two bins), periodic Hann window, no
/// overlap. Bands past Nyquist, and silent ones, are [`BAND_FLOOR_DB`].
pub(crate) fn band_levels_db(channels: &[&[f32]], sample_rate: u32) -> Result<Vec<f32>> {
    let frames = channels.first().map_or(0, |c| c.len());
    if channels.is_empty() || frames == 0 {
        return Err(Error::EmptyInput { what: "audio" });
    }
    let wanted = (f64::from(sample_rate) / 3.0).ceil() as usize;
    let n_fft = wanted.next_power_of_two().clamp(256, 1 << 16);
    let fft: Arc<dyn RealToComplex<f32>> = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
    let window: Vec<f32> = periodic_hann(n_fft).iter().map(|&w| w as f32).collect();
    let window_power: f64 = window.iter().map(|&w| f64::from(w) * f64::from(w)).sum();
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let mut power = vec![0.0f64; spectrum.len()];
    let mut count = 0usize;
    for channel in channels {
        let mut start = 0;
        loop {
            let end = (start + n_fft).min(channel.len());
            if end <= start {
                break;
            }
            let part = channel.get(start..end).unwrap_or(&[]);
            for ((dst, &x), &w) in input.iter_mut().zip(part).zip(&window) {
                *dst = x * w;
            }
            for dst in input.iter_mut().skip(part.len()) {
                *dst = 0.0;
            }
            fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .map_err(|e| Error::invalid_argument("fft", e.to_string()))?;
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p += f64::from(c.norm_sqr());
            }
            count += 1;
            // A last frame shorter than half the window adds little but bias.
            if end == channel.len() || channel.len() - end < n_fft / 2 && start > 0 {
                break;
            }
            start += n_fft;
        }
    }
    let bin_hz = f64::from(sample_rate) / n_fft as f64;
    let scale = 1.0 / (count.max(1) as f64 * n_fft as f64 * window_power);
    let last = power.len() - 1;
    let nyquist = f64::from(sample_rate) / 2.0;
    Ok(third_octave_centres()
        .iter()
        .map(|&fc| {
            let (lo, hi) = band_edges(fc);
            if hi > nyquist {
                return BAND_FLOOR_DB;
            }
            let first = (lo / bin_hz).ceil() as usize;
            let end = ((hi / bin_hz).ceil() as usize).min(last + 1);
            let sum: f64 = (first..end)
                .map(|k| {
                    let double = if k == 0 || k == last { 1.0 } else { 2.0 };
                    double * power.get(k).copied().unwrap_or(0.0)
                })
                .sum();
            let db = 10.0 * (sum * scale).log10();
            if db.is_finite() {
                (db as f32).max(BAND_FLOOR_DB)
            } else {
                BAND_FLOOR_DB
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_lands_in_its_band_at_its_mean_square() {
        let rate = 48_000;
        let sine: Vec<f32> = (0..rate * 4)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / rate as f32).sin())
            .collect();
        let levels = band_levels_db(&[&sine], rate).unwrap();
        // 0.5 amplitude: mean square 0.125, -9.03 dB.
        assert!((levels[16] + 9.03).abs() < 0.05, "{}", levels[16]);
        assert!(levels[12] < -60.0 && levels[20] < -60.0);
    }

    #[test]
    fn bands_past_nyquist_and_silence_are_at_the_floor() {
        let zeros = vec![0.0f32; 16_000];
        let levels = band_levels_db(&[&zeros], 16_000).unwrap();
        assert!(levels.iter().all(|&l| l == BAND_FLOOR_DB));
        assert_eq!(bands_below_nyquist(16_000), 25);
        assert_eq!(bands_below_nyquist(48_000), 30);
        assert_eq!(bands_below_nyquist(44_100), 29);
    }
}
