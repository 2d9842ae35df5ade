//! Fundamental frequency (F0) by YIN: de Cheveigné, A. & Kawahara, H. (2002),
//! "YIN, a fundamental frequency estimator for speech and music", JASA
//! 111(4), 1917–1930. Steps follow the paper's section II: the difference
//! function (step 2, eq. 6), cumulative mean normalisation (step 3, eq. 8),
//! the absolute threshold (step 4) and parabolic interpolation (step 5).
//! The difference function is computed from an FFT cross-correlation and
//! running energies, O(N log N) per frame instead of the direct O(W·τ).
//!
//! A model-independent second opinion on a speaker's sex: median F0 of
//! adult male voices is around 85–155 Hz, of female voices 165–255 Hz.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::pitch_options::{PitchFraming, PitchOptions};
use crate::{Error, Result};

/// One analysis frame of a pitch track.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PitchFrame {
    /// Centre of the samples the frame reads, seconds from the start.
    pub time: f32,
    /// Fundamental frequency, Hz; `None` when the frame is unvoiced
    /// (too quiet, or no dip of the normalised difference below the threshold).
    pub f0_hz: Option<f32>,
    /// YIN's aperiodicity at the chosen period: the cumulative-mean-normalised
    /// difference there, 0 for a perfectly periodic frame, about 1 for noise
    /// (1 too for frames skipped as silent).
    pub aperiodicity: f32,
}

/// A YIN pitch tracker for one sample rate and set of options; FFT plans
/// are made once and shared, so one tracker serves many calls and threads.
///
/// ```
/// use voiceprint_core::features::{PitchOptions, PitchTracker};
///
/// let sr = 16_000;
/// let tone: Vec<f32> = (0..sr)
///     .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 150.0 * i as f32 / sr as f32).sin())
///     .collect();
/// let yin = PitchTracker::new(sr as u32, PitchOptions::default())?;
/// let f0 = yin.median_f0(&tone)?.expect("a tone is voiced");
/// assert!((f0 - 150.0).abs() < 1.5);
/// assert_eq!(yin.median_f0(&vec![0.0; sr])?, None);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PitchTracker {
    opts: PitchOptions,
    sample_rate: u32,
    framing: PitchFraming,
    fft_len: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    /// Mean square below which a frame is silent (from `min_rms_dbfs`).
    min_power: f64,
}

impl std::fmt::Debug for PitchTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PitchTracker")
            .field("opts", &self.opts)
            .field("sample_rate", &self.sample_rate)
            .field("fft_len", &self.fft_len)
            .finish_non_exhaustive()
    }
}

/// Per-call buffers, so that `track` takes `&self`.
struct Scratch {
    window: Vec<f32>,
    span: Vec<f32>,
    window_spec: Vec<Complex<f32>>,
    span_spec: Vec<Complex<f32>>,
    corr: Vec<f32>,
    fft_scratch: Vec<Complex<f32>>,
    cmnd: Vec<f32>,
}

impl PitchTracker {
    /// A tracker for audio at `sample_rate` Hz.
    ///
    /// Errors: those of [`PitchOptions::validate`].
    pub fn new(sample_rate: u32, opts: PitchOptions) -> Result<Self> {
        let framing = opts.framing(sample_rate)?;
        // The circular cross-correlation of the window with the span equals
        // the linear one for every lag up to tau_max once the FFT holds the
        // whole span: no index j + tau (j < W, tau <= tau_max) wraps.
        let fft_len = framing.span().next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        let min_power = 10f64.powf(f64::from(opts.min_rms_dbfs) / 10.0);
        Ok(PitchTracker {
            opts,
            sample_rate,
            framing,
            fft_len,
            forward,
            inverse,
            min_power,
        })
    }

    /// The options the tracker was made with.
    pub fn options(&self) -> &PitchOptions {
        &self.opts
    }

    /// The sample rate the tracker expects.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The pitch track: one frame every hop while a whole frame (window plus
    /// the longest lag, 47 ms with the defaults at 16 kHz) fits in the
    /// samples; audio shorter than that has no frames.
    ///
    /// Errors: [`Error::NonFiniteSamples`].
    pub fn track(&self, samples: &[f32]) -> Result<Vec<PitchFrame>> {
        if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFiniteSamples { index });
        }
        let f = self.framing;
        let span = f.span();
        if samples.len() < span {
            return Ok(Vec::new());
        }
        // Running energies in f64: the difference function subtracts them
        // from each other, and f32 prefix sums over hours of audio lose it.
        let mut energy = Vec::with_capacity(samples.len() + 1);
        let mut acc = 0.0f64;
        energy.push(acc);
        for &x in samples {
            acc += f64::from(x) * f64::from(x);
            energy.push(acc);
        }
        let mut s = self.scratch();
        let n_frames = (samples.len() - span) / f.hop + 1;
        let sr = self.sample_rate as f32;
        let mut out = Vec::with_capacity(n_frames);
        for i in 0..n_frames {
            let start = i * f.hop;
            let time = (start as f32 + span as f32 / 2.0) / sr;
            let e = &energy[start..=start + span];
            let (f0_hz, aperiodicity) = self.frame(&samples[start..start + span], e, &mut s)?;
            out.push(PitchFrame {
                time,
                f0_hz,
                aperiodicity,
            });
        }
        Ok(out)
    }

    /// Median F0 of the voiced frames, Hz; `None` when no frame is voiced.
    ///
    /// Errors: [`Error::NonFiniteSamples`].
    pub fn median_f0(&self, samples: &[f32]) -> Result<Option<f32>> {
        let mut voiced: Vec<f32> = self
            .track(samples)?
            .into_iter()
            .filter_map(|f| f.f0_hz)
            .collect();
        Ok(median(&mut voiced))
    }

    fn scratch(&self) -> Scratch {
        Scratch {
            window: self.forward.make_input_vec(),
            span: self.forward.make_input_vec(),
            window_spec: self.forward.make_output_vec(),
            span_spec: self.forward.make_output_vec(),
            corr: self.inverse.make_output_vec(),
            fft_scratch: vec![
                Complex::default();
                self.forward
                    .get_scratch_len()
                    .max(self.inverse.get_scratch_len())
            ],
            cmnd: vec![1.0; self.framing.tau_max + 1],
        }
    }

    /// F0 and aperiodicity of one frame. `x` is the frame's span of samples,
    /// `e` the running energy at `x[0]..=x[span]` (offset by what precedes).
    fn frame(&self, x: &[f32], e: &[f64], s: &mut Scratch) -> Result<(Option<f32>, f32)> {
        let PitchFraming {
            window: w,
            tau_min,
            tau_max,
            ..
        } = self.framing;
        let e0 = e[w] - e[0];
        if e0 / (w as f64) < self.min_power {
            return Ok((None, 1.0));
        }

        // r(tau) = sum_{j < W} x[j] x[j + tau] as the inverse FFT of
        // conj(FFT(window)) * FFT(span).
        s.window[..w].copy_from_slice(&x[..w]);
        s.window[w..].fill(0.0);
        s.span[..x.len()].copy_from_slice(x);
        s.span[x.len()..].fill(0.0);
        let fft_err = |e: realfft::FftError| {
            Error::invalid_argument("samples", format!("pitch FFT failed: {e}"))
        };
        self.forward
            .process_with_scratch(&mut s.window, &mut s.window_spec, &mut s.fft_scratch)
            .map_err(fft_err)?;
        self.forward
            .process_with_scratch(&mut s.span, &mut s.span_spec, &mut s.fft_scratch)
            .map_err(fft_err)?;
        for (a, b) in s.window_spec.iter().zip(s.span_spec.iter_mut()) {
            *b *= a.conj();
        }
        // DC and Nyquist bins of a real signal's spectrum are real; make
        // the rounding of the product say so, as the inverse FFT requires.
        if let Some(first) = s.span_spec.first_mut() {
            first.im = 0.0;
        }
        if let Some(last) = s.span_spec.last_mut() {
            last.im = 0.0;
        }
        self.inverse
            .process_with_scratch(&mut s.span_spec, &mut s.corr, &mut s.fft_scratch)
            .map_err(fft_err)?;
        let scale = 1.0 / self.fft_len as f64;

        // Steps 2 and 3: d(tau) = e(0) + e(tau) - 2 r(tau) (eq. 7), and
        // d'(tau) = d(tau) / ((1 / tau) sum_{j=1..tau} d(j)) (eq. 8).
        let mut running = 0.0f64;
        s.cmnd[0] = 1.0;
        for tau in 1..=tau_max {
            let e_tau = e[tau + w] - e[tau];
            let d = (e0 + e_tau - 2.0 * f64::from(s.corr[tau]) * scale).max(0.0);
            running += d;
            s.cmnd[tau] = if running > 0.0 {
                (d * tau as f64 / running) as f32
            } else {
                1.0
            };
        }

        // Step 4: the first lag whose d' dips below the threshold, followed
        // down to the bottom of its dip. No dip: unvoiced.
        let c = &s.cmnd;
        let Some(mut tau) = (tau_min..=tau_max).find(|&t| c[t] < self.opts.threshold) else {
            let min = c[tau_min..=tau_max]
                .iter()
                .copied()
                .fold(f32::INFINITY, f32::min);
            return Ok((None, min));
        };
        while tau < tau_max && c[tau + 1] < c[tau] {
            tau += 1;
        }

        // Step 5: a parabola through the dip and its neighbours locates the
        // minimum between lags; at the edge of the range the lag stands.
        let (shift, depth) = if tau > 1 && tau < tau_max {
            let (y0, y1, y2) = (c[tau - 1], c[tau], c[tau + 1]);
            let curvature = y0 - 2.0 * y1 + y2;
            if curvature > 0.0 {
                let shift = (0.5 * (y0 - y2) / curvature).clamp(-0.5, 0.5);
                (shift, y1 - 0.25 * (y0 - y2) * shift)
            } else {
                (0.0, y1)
            }
        } else {
            (0.0, c[tau])
        };
        let period = tau as f32 + shift;
        Ok((Some(self.sample_rate as f32 / period), depth.max(0.0)))
    }
}

/// The per-frame pitch track of `samples` at `sample_rate` Hz; see
/// [`PitchTracker::track`]. Make a [`PitchTracker`] once to track many signals.
///
/// ```
/// use voiceprint_core::features::{pitch_track, PitchOptions};
///
/// let track = pitch_track(&vec![0.0; 16_000], 16_000, &PitchOptions::default())?;
/// assert!(track.iter().all(|f| f.f0_hz.is_none()));
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn pitch_track(
    samples: &[f32],
    sample_rate: u32,
    opts: &PitchOptions,
) -> Result<Vec<PitchFrame>> {
    PitchTracker::new(sample_rate, *opts)?.track(samples)
}

/// Median F0 of the voiced frames of `samples`, Hz, or `None` when nothing
/// is voiced; see [`PitchTracker::median_f0`].
///
/// ```
/// use voiceprint_core::features::{median_f0, PitchOptions};
///
/// assert_eq!(median_f0(&vec![0.0; 16_000], 16_000, &PitchOptions::default())?, None);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn median_f0(samples: &[f32], sample_rate: u32, opts: &PitchOptions) -> Result<Option<f32>> {
    PitchTracker::new(sample_rate, *opts)?.median_f0(samples)
}

/// The median (mean of the middle two for an even count); `None` for none.
fn median(values: &mut [f32]) -> Option<f32> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut hi, _) = values.select_nth_unstable_by(n / 2, f32::total_cmp);
    if n % 2 == 1 {
        return Some(hi);
    }
    let lo = values[..n / 2]
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    Some(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::f32::consts::PI;

    const SR: u32 = 16_000;

    fn tone(f0: f32, seconds: f32) -> Vec<f32> {
        let n = (seconds * SR as f32) as usize;
        (0..n)
            .map(|i| 0.5 * (2.0 * PI * f0 * i as f32 / SR as f32).sin())
            .collect()
    }

    /// Phase-exact sawtooth in [-0.5, 0.5): every harmonic, falling as 1/k.
    fn sawtooth(f0: f32, seconds: f32) -> Vec<f32> {
        let n = (seconds * SR as f32) as usize;
        (0..n)
            .map(|i| {
                let phase = (f0 as f64 * i as f64 / SR as f64).fract() as f32;
                phase - 0.5
            })
            .collect()
    }

    /// A band-limited pulse train: every harmonic below 4 kHz at equal
    /// amplitude, the glottal source's flat line spectrum over the band that
    /// carries voiced speech. (Up to Nyquist, a period far from a whole
    /// number of samples defeats integer-lag YIN at high F0: a 0.4-sample
    /// lag error turns the top harmonics a radian out of phase.)
    fn pulse_train(f0: f32, seconds: f32) -> Vec<f32> {
        let n = (seconds * SR as f32) as usize;
        let harmonics: Vec<f32> = (1..)
            .map(|k| k as f32 * f0)
            .take_while(|&f| f < 4_000.0)
            .collect();
        let norm = 0.5 / harmonics.len() as f32;
        (0..n)
            .map(|i| {
                let t = i as f32 / SR as f32;
                norm * harmonics
                    .iter()
                    .map(|&f| (2.0 * PI * f * t).cos())
                    .sum::<f32>()
            })
            .collect()
    }

    /// Deterministic white noise in [-0.5, 0.5) (xorshift).
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.max(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    fn assert_f0(samples: &[f32], expected: f32, what: &str) {
        let yin = PitchTracker::new(SR, PitchOptions::default()).unwrap();
        let track = yin.track(samples).unwrap();
        let voiced = track.iter().filter(|f| f.f0_hz.is_some()).count();
        assert_eq!(
            voiced,
            track.len(),
            "{what} at {expected} Hz: every frame voiced"
        );
        for f in &track {
            let f0 = f.f0_hz.unwrap();
            assert!(
                (f0 - expected).abs() <= 0.01 * expected,
                "{what} at {expected} Hz: frame at {:.3} s says {f0} Hz",
                f.time
            );
        }
        let m = yin.median_f0(samples).unwrap().unwrap();
        assert!(
            (m - expected).abs() <= 0.01 * expected,
            "{what}: median {m}"
        );
    }

    #[test]
    fn pure_tones_within_one_percent() {
        for f0 in [62.0, 85.0, 110.0, 147.3, 200.0, 261.6, 330.0, 395.0] {
            assert_f0(&tone(f0, 0.5), f0, "tone");
        }
    }

    #[test]
    fn harmonic_rich_signals_within_one_percent() {
        for f0 in [65.0, 98.0, 123.0, 180.0, 220.0, 310.0, 390.0] {
            assert_f0(&sawtooth(f0, 0.5), f0, "sawtooth");
            assert_f0(&pulse_train(f0, 0.5), f0, "pulse train");
        }
    }

    #[test]
    fn silence_and_noise_are_unvoiced() {
        let opts = PitchOptions::default();
        assert_eq!(median_f0(&vec![0.0; 16_000], SR, &opts).unwrap(), None);
        // Below the energy floor: a faint tone is silence.
        let faint: Vec<f32> = tone(150.0, 0.5).iter().map(|x| x * 1e-3).collect();
        assert_eq!(median_f0(&faint, SR, &opts).unwrap(), None);
        for seed in 1..=5 {
            let track = pitch_track(&noise(16_000, seed), SR, &opts).unwrap();
            let voiced = track.iter().filter(|f| f.f0_hz.is_some()).count();
            assert!(
                voiced * 50 <= track.len(),
                "noise seed {seed}: {voiced} of {} voiced",
                track.len()
            );
            assert!(track.iter().all(|f| f.aperiodicity > 0.3));
        }
    }

    #[test]
    fn frames_and_times() {
        let yin = PitchTracker::new(SR, PitchOptions::default()).unwrap();
        // 747 samples per frame, hop 160.
        assert!(yin.track(&[0.1; 746]).unwrap().is_empty());
        let t = yin.track(&tone(100.0, 1.0)).unwrap();
        assert_eq!(t.len(), (16_000 - 747) / 160 + 1);
        assert!((t[0].time - 747.0 / 2.0 / 16_000.0).abs() < 1e-6);
        assert!((t[1].time - t[0].time - 0.01).abs() < 1e-6);
        assert!(t.iter().all(|f| f.aperiodicity < 0.05));
    }

    #[test]
    fn other_sample_rates() {
        for sr in [8_000u32, 22_050, 44_100] {
            let x: Vec<f32> = (0..sr / 2)
                .map(|i| (2.0 * PI * 180.0 * i as f32 / sr as f32).sin())
                .collect();
            let m = median_f0(&x, sr, &PitchOptions::default())
                .unwrap()
                .unwrap();
            assert!((m - 180.0).abs() < 1.8, "{sr} Hz: {m}");
        }
    }

    #[test]
    fn refuses_non_finite_samples_and_bad_options() {
        let mut x = tone(100.0, 0.2);
        x[1000] = f32::NAN;
        let e = median_f0(&x, SR, &PitchOptions::default()).unwrap_err();
        assert!(matches!(e, Error::NonFiniteSamples { index: 1000 }));
        let bad = PitchOptions {
            fmax_hz: 10_000.0,
            ..PitchOptions::default()
        };
        assert!(PitchTracker::new(SR, bad).is_err());
    }

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    /// Speed: prints how many times faster than real time one thread tracks
    /// 16 kHz speech-like audio (the pulse train; `--nocapture` to see it).
    #[test]
    fn speed_print() {
        let x = pulse_train(140.0, 20.0);
        let yin = PitchTracker::new(SR, PitchOptions::default()).unwrap();
        let start = std::time::Instant::now();
        let mut frames = 0;
        for _ in 0..3 {
            frames += yin.track(&x).unwrap().len();
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "pitch: {frames} frames of 60 s audio in {:.1} ms: {:.0}x real time (this build's profile)",
            secs * 1e3,
            60.0 / secs
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics_and_stays_in_range(
            samples in proptest::collection::vec(-1.0f32..1.0, 0..4_000),
            fmin in 10.0f32..200.0,
            span in 1.5f32..8.0,
            threshold in 0.01f32..1.0,
            hop_ms in 1.0f32..30.0,
        ) {
            let fmax = (fmin * span).min(8_000.0);
            let opts = PitchOptions {
                fmin_hz: fmin,
                fmax_hz: fmax,
                frame_seconds: 1.0 / fmin + 0.001,
                hop_seconds: hop_ms / 1000.0,
                threshold,
                min_rms_dbfs: -60.0,
            };
            let track = pitch_track(&samples, SR, &opts).unwrap();
            for f in track {
                prop_assert!(f.time.is_finite() && f.aperiodicity.is_finite());
                if let Some(f0) = f.f0_hz {
                    // Within the searched lags, half a lag of interpolation either side.
                    prop_assert!(f0.is_finite() && f0 > 0.0);
                    prop_assert!(f0 >= SR as f32 / ((SR as f32 / fmin).ceil() + 0.5));
                    prop_assert!(f0 <= SR as f32 / (((SR as f32 / fmax).floor()).max(2.0) - 0.5));
                }
            }
        }
    }
}
