//! Resemblyzer's split of an utterance into overlapping partial utterances
//! (`VoiceEncoder.compute_partial_slices`, resemblyzer/voice_encoder.py).

use std::ops::Range;

use crate::error::{Error, Result};

/// Frames per partial utterance (Resemblyzer `hparams.partials_n_frames`):
/// 160 frames of 10 ms, 1.6 s.
pub const GE2E_PARTIAL_FRAMES: usize = 160;
/// Partial utterances per second (`embed_utterance(rate=1.3)`).
pub const GE2E_PARTIAL_RATE: f64 = 1.3;
/// Fraction of the last partial that must be real audio for it to be kept
/// (`embed_utterance(min_coverage=0.75)`).
pub const GE2E_MIN_COVERAGE: f64 = 0.75;

/// Resemblyzer's sampling rate and samples per mel frame (16 kHz, 10 ms).
const SAMPLE_RATE: usize = 16_000;
const SAMPLES_PER_FRAME: usize = 160;

/// Where Resemblyzer cuts an utterance of `num_samples` samples (16 kHz)
/// into partial utterances of [`GE2E_PARTIAL_FRAMES`] mel frames,
/// `rate` partials per second ([`GE2E_PARTIAL_RATE`]), dropping the last one
/// when less than `min_coverage` ([`GE2E_MIN_COVERAGE`]) of it is audio
/// unless it is the only one.
///
/// Returns the mel frame ranges (multiply by 160 for sample ranges) and the
/// number of samples the waveform must be zero-padded to before its mel
/// spectrogram is computed, as `embed_utterance` pads it (at least
/// `num_samples`); see [`Ge2eMel::compute_padded`](super::Ge2eMel::compute_padded).
///
/// Fails with [`Error::InvalidArgument`] where Resemblyzer asserts:
/// `min_coverage` outside `(0, 1]`, or a rate so high or so low (below
/// 0.625) that the step between partials is not 1 to 160 frames.
///
/// ```
/// use voiceprint_core::features::{ge2e_partial_slices, GE2E_MIN_COVERAGE, GE2E_PARTIAL_RATE};
///
/// let (slices, padded) = ge2e_partial_slices(32_000, GE2E_PARTIAL_RATE, GE2E_MIN_COVERAGE)?;
/// assert_eq!(slices, vec![0..160, 77..237]);
/// assert_eq!(padded, 237 * 160);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn ge2e_partial_slices(
    num_samples: usize,
    rate: f64,
    min_coverage: f64,
) -> Result<(Vec<Range<usize>>, usize)> {
    partial_slices(
        num_samples,
        SAMPLE_RATE,
        SAMPLES_PER_FRAME,
        GE2E_PARTIAL_FRAMES,
        rate,
        min_coverage,
    )
}

/// [`ge2e_partial_slices`] for any frame rate and partial length.
pub(crate) fn partial_slices(
    num_samples: usize,
    sample_rate: usize,
    samples_per_frame: usize,
    partial_frames: usize,
    rate: f64,
    min_coverage: f64,
) -> Result<(Vec<Range<usize>>, usize)> {
    if !(min_coverage > 0.0 && min_coverage <= 1.0) {
        return Err(Error::invalid_argument(
            "min_coverage",
            format!("{min_coverage} is outside (0, 1]"),
        ));
    }
    if samples_per_frame == 0 || partial_frames == 0 {
        return Err(Error::invalid_argument(
            "samples_per_frame",
            "frames and partials must be at least one sample/frame long",
        ));
    }
    // int(np.round((sampling_rate / rate) / samples_per_frame)): numpy rounds
    // half to even.
    let step = (sample_rate as f64 / rate / samples_per_frame as f64).round_ties_even();
    if !(step >= 1.0 && step <= partial_frames as f64) {
        let min_rate = sample_rate as f64 / (samples_per_frame * partial_frames) as f64;
        return Err(Error::invalid_argument(
            "rate",
            format!("{rate} partials per second is out of range; it must be at least {min_rate} and small enough that partials start at least one frame apart"),
        ));
    }
    let frame_step = step as usize;
    // int(np.ceil((n_samples + 1) / samples_per_frame)), in integers.
    let n_frames = num_samples.saturating_add(1).div_ceil(samples_per_frame);
    let steps = (n_frames + frame_step + 1)
        .saturating_sub(partial_frames)
        .max(1);
    let mut slices: Vec<Range<usize>> = (0..steps)
        .step_by(frame_step)
        .map(|i| i..i + partial_frames)
        .collect();

    if let Some(last) = slices.last() {
        let start = (last.start * samples_per_frame) as f64;
        let stop = (last.end * samples_per_frame) as f64;
        let coverage = (num_samples as f64 - start) / (stop - start);
        if coverage < min_coverage && slices.len() > 1 {
            slices.pop();
        }
    }
    let padded = slices
        .last()
        .map_or(num_samples, |s| num_samples.max(s.end * samples_per_frame));
    Ok((slices, padded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    // A one-element list of ranges is exactly what is being checked here.
    #[allow(clippy::single_range_in_vec_init)]
    fn resemblyzer_examples() {
        // Shorter than one partial: one slice, padded to 1.6 s.
        for n in [0, 8_000, 25_599] {
            let (slices, padded) = ge2e_partial_slices(n, 1.3, 0.75).unwrap();
            assert_eq!(slices, [0..160]);
            assert_eq!(padded, 25_600);
        }
        // 0.75 of the second partial (77..237) is audio at 31 520 samples.
        let (slices, padded) = ge2e_partial_slices(31_520, 1.3, 0.75).unwrap();
        assert_eq!(slices, [0..160, 77..237]);
        assert_eq!(padded, 37_920);
        let (slices, padded) = ge2e_partial_slices(31_519, 1.3, 0.75).unwrap();
        assert_eq!(slices, [0..160]);
        assert_eq!(padded, 31_519);
    }

    #[test]
    fn refuses_what_resemblyzer_asserts() {
        assert!(ge2e_partial_slices(16_000, 1.3, 0.0).is_err());
        assert!(ge2e_partial_slices(16_000, 1.3, 1.5).is_err());
        assert!(ge2e_partial_slices(16_000, 1.3, f64::NAN).is_err());
        assert!(ge2e_partial_slices(16_000, 0.5, 0.75).is_err());
        assert!(ge2e_partial_slices(16_000, 1000.0, 0.75).is_err());
        assert!(ge2e_partial_slices(16_000, 0.0, 0.75).is_err());
        assert!(ge2e_partial_slices(16_000, -1.0, 0.75).is_err());
        assert!(ge2e_partial_slices(16_000, f64::NAN, 0.75).is_err());
        assert!(ge2e_partial_slices(16_000, 0.625, 0.75).is_ok());
    }

    proptest! {
        #[test]
        fn slices_cover_the_audio(n in 0usize..2_000_000, rate in 0.7f64..10.0, cov in 0.05f64..=1.0) {
            let (slices, padded) = ge2e_partial_slices(n, rate, cov).unwrap();
            prop_assert!(!slices.is_empty());
            prop_assert!(padded >= n);
            prop_assert_eq!(slices[0].start, 0);
            for s in &slices {
                prop_assert_eq!(s.len(), GE2E_PARTIAL_FRAMES);
                prop_assert!(s.end * 160 <= padded);
            }
            let step = slices.get(1).map(|s| s.start);
            for w in slices.windows(2) {
                prop_assert_eq!(Some(w[1].start - w[0].start), step);
            }
        }
    }
}
