//! True peak (ITU-R BS.1770-4 Annex 2): the signal's peak between samples,
//! estimated by 4x oversampling below 96 kHz (2x below 192 kHz).
//!
//! The interpolator is a Kaiser-windowed sinc (β = 8, 16 input taps per
//! phase, each phase normalised to unit DC gain): flat within ±0.002 dB up
//! to 16 kHz at 48 kHz, where the 48-tap Hann design of libebur128 (and the
//! `ebur128` crate) over-reads a sine at 8 kHz by 0.36 dB, outside the
//! +0.2 dB of EBU Tech 3341. Phase 0 is the identity, so the true peak is
//! never below the sample peak. Spans whose sample peak times the filter's
//! worst-case gain cannot beat what is already known are not interpolated.

/// Input taps per phase.
const TAPS: usize = 16;
/// Kaiser window shape.
const BETA: f64 = 8.0;

/// Modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, half) = (1.0f64, 1.0f64, x / 2.0);
    for k in 1..50 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The interpolator of one sample rate and the scratch it works in.
pub(crate) struct TruePeakMeter {
    /// Fractional phases 1..factor: taps over `x[n - 7 ..= n + 8]`.
    phases: Vec<[f32; TAPS]>,
    /// Largest `Σ |h|` over the phases: no interpolated value exceeds the
    /// span's sample peak times this.
    bound: f32,
    padded: Vec<f32>,
    acc: Vec<f32>,
}

impl TruePeakMeter {
    /// The meter for `sample_rate`.
    pub(crate) fn new(sample_rate: u32) -> Self {
        let factor = if sample_rate < 96_000 {
            4
        } else if sample_rate < 192_000 {
            2
        } else {
            1
        };
        let half = TAPS as f64 / 2.0;
        let phases: Vec<[f32; TAPS]> = (1..factor)
            .map(|p| {
                let frac = p as f64 / factor as f64;
                let mut h = [0.0f64; TAPS];
                for (i, tap) in h.iter_mut().enumerate() {
                    // Tap i weighs x[n + i - 7], at distance d from n + frac.
                    let d = i as f64 - (half - 1.0) - frac;
                    let r = d / half;
                    let window = bessel_i0(BETA * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(BETA);
                    let x = std::f64::consts::PI * d;
                    let sinc = if x.abs() < 1e-12 { 1.0 } else { x.sin() / x };
                    *tap = sinc * window;
                }
                let sum: f64 = h.iter().sum();
                std::array::from_fn(|i| (h[i] / sum) as f32)
            })
            .collect();
        let bound = phases
            .iter()
            .map(|h| h.iter().map(|v| v.abs()).sum::<f32>())
            .fold(1.0f32, f32::max);
        TruePeakMeter {
            phases,
            bound,
            padded: Vec::new(),
            acc: Vec::new(),
        }
    }

    /// Largest `|x|` any interpolated point can reach given a span's
    /// sample peak.
    pub(crate) fn bound(&self, sample_peak: f32) -> f32 {
        sample_peak * self.bound
    }

    /// The true peak of `x[start..end]`: samples and the points between
    /// each of them and the next (zeros outside the signal).
    pub(crate) fn span_peak(&mut self, x: &[f32], start: usize, end: usize) -> f32 {
        let end = end.min(x.len());
        if start >= end {
            return 0.0;
        }
        let mut peak = x
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .fold(0.0f32, |m, s| m.max(s.abs()));
        if self.phases.is_empty() {
            return peak;
        }
        let len = end - start;
        let before = TAPS / 2 - 1;
        let after = TAPS / 2;
        // padded[i] = x[start - before + i], zero outside the signal.
        self.padded.clear();
        self.padded.resize(len + before + after, 0.0);
        let src_lo = start.saturating_sub(before);
        let src_hi = (end + after).min(x.len());
        let dst_lo = src_lo + before - start;
        if let (Some(dst), Some(src)) = (
            self.padded.get_mut(dst_lo..dst_lo + (src_hi - src_lo)),
            x.get(src_lo..src_hi),
        ) {
            dst.copy_from_slice(src);
        }
        self.acc.resize(len, 0.0);
        for h in &self.phases {
            self.acc.iter_mut().for_each(|a| *a = 0.0);
            for (i, &tap) in h.iter().enumerate() {
                let Some(window) = self.padded.get(i..i + len) else {
                    continue;
                };
                for (a, &s) in self.acc.iter_mut().zip(window) {
                    *a += tap * s;
                }
            }
            peak = self.acc.iter().fold(peak, |m, s| m.max(s.abs()));
        }
        peak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(amp: f32, freq: f32, phase_deg: f32, rate: u32) -> Vec<f32> {
        (0..rate / 2)
            .map(|i| {
                let t = i as f32 / rate as f32;
                amp * (2.0 * std::f32::consts::PI * freq * t + phase_deg.to_radians()).sin()
            })
            .collect()
    }

    #[test]
    fn inter_sample_crests_are_found_within_a_hundredth_of_a_db() {
        let mut m = TruePeakMeter::new(48_000);
        for (freq, phase) in [
            (12_000.0, 45.0),
            (8_000.0, 60.0),
            (6_000.0, 67.5),
            (997.0, 10.0),
        ] {
            let x = sine(0.5, freq, phase, 48_000);
            let tp = m.span_peak(&x, 1000, x.len() - 1000);
            let err_db = 20.0 * (tp / 0.5).log10();
            assert!(
                err_db.abs() < 0.01,
                "{freq} Hz at {phase}°: {err_db:+.4} dB"
            );
        }
    }

    #[test]
    fn phase_zero_is_the_identity_and_the_bound_holds() {
        let mut m = TruePeakMeter::new(44_100);
        let x: Vec<f32> = (0..500)
            .map(|i| ((i * 7919 % 211) as f32 / 105.0) - 1.0)
            .collect();
        let sample_peak = x.iter().fold(0.0f32, |a, s| a.max(s.abs()));
        let tp = m.span_peak(&x, 0, x.len());
        assert!(tp >= sample_peak && tp <= m.bound(sample_peak));
        assert_eq!(
            TruePeakMeter::new(192_000).span_peak(&x, 0, x.len()),
            sample_peak
        );
        assert_eq!(m.span_peak(&x, 10, 10), 0.0);
    }
}
