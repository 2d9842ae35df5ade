//! Sample-rate conversion with rubato's windowed-sinc resampler.

use rubato::{
    calculate_cutoff, Resampler, SincFixedIn, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use super::buffer::Audio;
use super::limits::check_sample_rate;
use crate::{Error, Result};

/// Input frames handed to rubato per call. Large enough that even a 384x
/// decimation yields output every call (rubato needs `sinc_len + ratio`
/// frames of look-ahead inside one chunk), small enough to stay in cache.
const CHUNK_FRAMES: usize = 4096;

/// Sinc filter length in taps: 256 with a squared Blackman-Harris window are
/// the values of rubato's own `SincFixedIn` example ("256 is a good starting
/// point", `SincInterpolationParameters::sinc_len` docs); the cut-off comes
/// from rubato's `calculate_cutoff` for that length and window.
const SINC_LEN: usize = 256;

/// Largest table of exact sub-sample phases built for a rational ratio;
/// beyond it the phases are interpolated (cubic) from 256 of them.
const MAX_EXACT_PHASES: usize = 1024;

/// Phases used with cubic interpolation between them, rubato's advice for
/// ratios that are not small fractions (`oversampling_factor` docs).
const CUBIC_PHASES: usize = 256;

impl Audio {
    /// The same audio at `target_rate`, through a band-limited sinc resampler
    /// (rubato `SincFixedIn`, 256 taps, squared Blackman-Harris window,
    /// cut-off just below the lower Nyquist frequency).
    ///
    /// The output holds `round(n * target_rate / sample_rate)` samples and is
    /// time-aligned with the input: the resampler's filter delay is removed,
    /// so sample `k` of the output is the signal at `k / target_rate`
    /// seconds. Returns a clone when the rates already match.
    ///
    /// Errors: [`Error::InvalidSampleRate`] for a target outside
    /// `1000..=384000` Hz; [`Error::EmptyInput`] when the result would hold no
    /// sample (a handful of samples resampled to a far lower rate).
    ///
    /// ```
    /// use voiceprint_core::audio::Audio;
    ///
    /// let audio = Audio::from_mono(vec![0.0; 44_100], 44_100)?.resample(16_000)?;
    /// assert_eq!((audio.samples().len(), audio.sample_rate()), (16_000, 16_000));
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn resample(&self, target_rate: u32) -> Result<Audio> {
        check_sample_rate(target_rate)?;
        if target_rate == self.sample_rate() {
            return Ok(self.clone());
        }
        let samples = resample_mono(self.samples(), self.sample_rate(), target_rate)?;
        Audio::from_mono(samples, target_rate)
    }
}

/// Resample `input` from `from` to `to` Hz; both rates already validated.
///
/// The whole signal goes through one resampler in fixed chunks, written
/// straight into the output `Vec` (one allocation, sized up front). The
/// input is read as a virtual stream `lead zeros ++ input ++ zeros`, and the
/// first outputs are dropped, so that the kept samples are time-aligned (see
/// [`Alignment`]); the trailing zeros flush the filter's look-ahead.
fn resample_mono(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    let expected = output_len(input.len(), from, to);
    if expected == 0 {
        return Err(Error::EmptyInput { what: "audio" });
    }
    let params = parameters(from, to);
    let align = Alignment::new(from, to, params.oversampling_factor);
    let ratio = f64::from(to) / f64::from(from);
    let mut resampler = SincFixedIn::<f32>::new(ratio, 1.0, params, CHUNK_FRAMES, 1)
        .map_err(|e| Error::invalid_argument("target_rate", e.to_string()))?;
    let needed = align.drop_outputs + expected;

    let mut out: Vec<f32> = Vec::with_capacity(needed + resampler.output_frames_max());
    let mut chunk = vec![0.0f32; CHUNK_FRAMES];
    let mut stream_pos = 0usize;
    while out.len() < needed {
        fill_chunk(&mut chunk, input, stream_pos, align.lead_zeros);
        stream_pos += CHUNK_FRAMES;
        let start = out.len();
        out.resize(start + resampler.output_frames_next(), 0.0);
        let written = match out.get_mut(start..) {
            Some(dst) => {
                resampler
                    .process_into_buffer(&[&chunk], &mut [dst], None)
                    .map_err(|e| Error::invalid_argument("target_rate", e.to_string()))?
                    .1
            }
            None => 0,
        };
        out.truncate(start + written);
    }
    out.drain(..align.drop_outputs.min(out.len()));
    out.truncate(expected);
    Ok(out)
}

/// Copy the window `[pos, pos + chunk.len())` of the virtual stream
/// `lead zeros ++ input ++ zeros forever` into `chunk`.
fn fill_chunk(chunk: &mut [f32], input: &[f32], pos: usize, lead: usize) {
    chunk.fill(0.0);
    let end = pos + chunk.len();
    // Part of the chunk that overlaps the input, in stream coordinates.
    let from = pos.max(lead);
    let to = end.min(lead + input.len());
    if from >= to {
        return;
    }
    if let (Some(dst), Some(src)) = (
        chunk.get_mut(from - pos..to - pos),
        input.get(from - lead..to - lead),
    ) {
        dst.copy_from_slice(src);
    }
}

/// How to undo the fixed offset of rubato's `SincFixedIn`.
///
/// rubato 0.16 places raw output `n` at input position `n·t + t − 1 + 1/f`
/// (`t = from / to`, `f` = sinc phases): its position counter is advanced
/// once before the first output, and its phase table puts phase `s` at
/// `(s + 1) / f` (see `make_sincs` and `SincFixedIn::process_into_buffer`).
/// Its `output_delay()` is the latency of its chunking, not a shift of the
/// signal, so trimming it would misalign the output. Feeding `z` leading
/// zeros and dropping `m` outputs puts kept output `k` at input position
/// `k·t + (m + 1)·t − 1 + 1/f − z`; we pick the smallest `m` that makes that
/// offset an integer `z` (exact for rational ratios, whose `f` is the
/// denominator of `to / from`), or, for cubic-interpolated ratios, the `m`
/// up to [`MAX_ALIGN_SEARCH`] that leaves the smallest remainder.
/// `tests::output_is_time_aligned` measures the result on sines.
struct Alignment {
    lead_zeros: usize,
    drop_outputs: usize,
}

/// Outputs dropped at most to align cubic-interpolated ratios; the
/// remainder left is then below about 1/1000 of an input sample.
const MAX_ALIGN_SEARCH: usize = 1024;

impl Alignment {
    fn new(from: u32, to: u32, phases: usize) -> Alignment {
        let t = f64::from(from) / f64::from(to);
        let phase = 1.0 / phases as f64;
        let mut best = Alignment {
            lead_zeros: 0,
            drop_outputs: 0,
        };
        let mut best_err = f64::INFINITY;
        for m in 0..MAX_ALIGN_SEARCH {
            let offset = (m + 1) as f64 * t - 1.0 + phase;
            let z = offset.round();
            let err = (offset - z).abs();
            if z >= 0.0 && err < best_err {
                best = Alignment {
                    lead_zeros: z as usize,
                    drop_outputs: m,
                };
                best_err = err;
                if err < 1e-9 {
                    break;
                }
            }
        }
        best
    }
}

/// `round(n * to / from)` without floating-point error.
fn output_len(n: usize, from: u32, to: u32) -> usize {
    let (n, from, to) = (n as u128, u128::from(from), u128::from(to));
    usize::try_from((n * to + from / 2) / from).unwrap_or(usize::MAX)
}

/// Filter parameters for one conversion.
///
/// When `to / from` reduces to a fraction with a small denominator (44.1 ->
/// 16 kHz is 160/441), every output sample falls on one of `to / gcd`
/// sub-sample phases; building exactly those and picking the nearest is
/// exact synchronous resampling at one dot product per sample (rubato's
/// `SincInterpolationType::Nearest` docs). Other ratios use cubic
/// interpolation between 256 phases.
fn parameters(from: u32, to: u32) -> SincInterpolationParameters {
    let phases = (to / gcd(from, to)) as usize;
    let (oversampling_factor, interpolation) = if phases <= MAX_EXACT_PHASES {
        (phases, SincInterpolationType::Nearest)
    } else {
        (CUBIC_PHASES, SincInterpolationType::Cubic)
    };
    SincInterpolationParameters {
        sinc_len: SINC_LEN,
        f_cutoff: calculate_cutoff(SINC_LEN, WindowFunction::BlackmanHarris2),
        oversampling_factor,
        interpolation,
        window: WindowFunction::BlackmanHarris2,
    }
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;
    use std::f64::consts::PI;

    fn sine(freq: f64, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * PI * freq * i as f64 / f64::from(rate)).sin() as f32 * 0.5)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn output_length_is_rounded_ratio() {
        assert_eq!(output_len(44_100, 44_100, 16_000), 16_000);
        assert_eq!(output_len(3, 44_100, 16_000), 1); // 1.088
        assert_eq!(output_len(4, 48_000, 16_000), 1); // 1.333
        assert_eq!(output_len(5, 48_000, 32_000), 3); // 3.333
        assert_eq!(output_len(3, 32_000, 48_000), 5); // 4.5 rounds up
        assert_eq!(output_len(usize::MAX, 1_000, 384_000), usize::MAX);
    }

    #[test]
    fn output_is_time_aligned() {
        // Sample k of the output must be the input signal at k / to seconds:
        // compare with the sine computed directly at the new rate, away from
        // the edges where the filter sees the zero padding.
        for (from, to) in [
            (44_100, 16_000),
            (8_000, 16_000),
            (48_000, 16_000),
            (16_000, 48_000),
            (22_050, 16_000),
            (16_000, 44_100),
            (44_100, 15_999),
            (16_000, 16_001),
            (11_025, 16_000),
        ] {
            let x = sine(440.0, from, from as usize);
            let y = Audio::from_mono(x, from).unwrap().resample(to).unwrap();
            let want = sine(440.0, to, to as usize);
            assert_eq!(y.samples().len(), want.len(), "{from}->{to}");
            let edge = (to / 20) as usize;
            let err = y.samples()[edge..want.len() - edge]
                .iter()
                .zip(&want[edge..want.len() - edge])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(err < 2e-3, "{from}->{to}: max error {err}");
        }
    }

    #[test]
    fn sine_rms_is_preserved_44k_to_16k_and_8k_to_16k() {
        for (from, to) in [(44_100, 16_000), (8_000, 16_000)] {
            let x = sine(1_000.0, from, from as usize * 2);
            let y = Audio::from_mono(x.clone(), from)
                .unwrap()
                .resample(to)
                .unwrap();
            let (rin, rout) = (rms(&x), rms(y.samples()));
            assert!(
                (rout / rin - 1.0).abs() < 0.02,
                "{from}->{to}: rms {rin} -> {rout}"
            );
        }
    }

    #[test]
    fn content_above_the_new_nyquist_is_removed() {
        // 10 kHz is above 16 kHz's Nyquist: it must be filtered out, not
        // folded back to 6 kHz.
        let x = sine(10_000.0, 44_100, 44_100);
        let y = Audio::from_mono(x.clone(), 44_100)
            .unwrap()
            .resample(16_000)
            .unwrap();
        let inner = &y.samples()[800..15_200];
        assert!(rms(inner) < 1e-3 * rms(&x), "alias rms {}", rms(inner));
    }

    #[test]
    fn same_rate_is_a_clone() {
        let a = Audio::from_mono(sine(100.0, 16_000, 1_000), 16_000).unwrap();
        assert_eq!(a.resample(16_000).unwrap(), a);
    }

    #[test]
    fn bad_target_rate_is_refused() {
        let a = Audio::from_mono(vec![0.0; 100], 16_000).unwrap();
        for rate in [0, 999, 384_001] {
            assert_eq!(
                a.resample(rate).unwrap_err().kind(),
                ErrorKind::InvalidSampleRate
            );
        }
    }

    #[test]
    fn too_few_samples_for_the_new_rate_is_empty() {
        let a = Audio::from_mono(vec![0.5], 384_000).unwrap();
        assert_eq!(a.resample(1_000).unwrap_err().kind(), ErrorKind::EmptyInput);
    }

    #[test]
    fn extreme_ratios_work() {
        let a = Audio::from_mono(sine(100.0, 384_000, 38_400), 384_000).unwrap();
        let down = a.resample(1_000).unwrap();
        assert_eq!(down.samples().len(), 100);
        let up = down.resample(384_000).unwrap();
        assert_eq!(up.samples().len(), 38_400);
        assert!(up.samples().iter().all(|s| s.is_finite()));
    }

    #[test]
    fn alignment_is_exact_for_rational_ratios() {
        for (from, to) in [(44_100, 16_000), (16_000, 48_000), (8_000, 16_000)] {
            let p = parameters(from, to);
            let a = Alignment::new(from, to, p.oversampling_factor);
            let t = f64::from(from) / f64::from(to);
            let offset = (a.drop_outputs + 1) as f64 * t - 1.0 + 1.0 / p.oversampling_factor as f64;
            assert!((offset - a.lead_zeros as f64).abs() < 1e-9, "{from}->{to}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn length_is_round_n_times_ratio(
            from in 1_000u32..=384_000,
            to in 1_000u32..=384_000,
            n in 1usize..4_000,
        ) {
            // Keep the work per case small: at most ~50k output samples.
            let n = n.min((50_000u64 * u64::from(from) / u64::from(to)).max(1) as usize);
            let x: Vec<f32> = (0..n).map(|i| ((i * 7919) % 200) as f32 / 100.0 - 1.0).collect();
            let a = Audio::from_mono(x, from).unwrap();
            let want = ((n as u128 * u128::from(to) + u128::from(from) / 2) / u128::from(from)) as usize;
            match a.resample(to) {
                Ok(y) => {
                    prop_assert_eq!(y.samples().len(), want);
                    prop_assert_eq!(y.sample_rate(), to);
                }
                Err(e) => {
                    prop_assert_eq!(want, 0);
                    prop_assert_eq!(e.kind(), ErrorKind::EmptyInput);
                }
            }
        }
    }
}
