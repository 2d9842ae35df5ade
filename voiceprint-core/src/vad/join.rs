//! Joining the speech a VAD kept into one signal for a speaker encoder.

use super::SpeechSegment;

/// The samples of `segments` (clipped to `samples`), concatenated, each
/// join a raised-cosine crossfade of `crossfade` samples (shortened where a
/// piece is shorter). With `crossfade = 0` this is plain concatenation.
///
/// A hard cut puts a step into the waveform, broadband energy the speaker
/// encoder never saw in training; a short crossfade (10 to 20 ms, the span
/// of a few pitch periods) joins pieces without one. The fade-in and
/// fade-out weights sum to one (`0.5 - 0.5 cos`), so the padding that
/// surrounds each region, mostly background, blends at the same level.
///
/// ```
/// use voiceprint_core::vad::{join_speech, SpeechSegment};
/// let x = vec![1.0f32; 100];
/// let segs = [SpeechSegment { start: 0, end: 40 }, SpeechSegment { start: 60, end: 100 }];
/// assert_eq!(join_speech(&x, &segs, 0).len(), 80);
/// assert_eq!(join_speech(&x, &segs, 10).len(), 70);
/// ```
pub fn join_speech(samples: &[f32], segments: &[SpeechSegment], crossfade: usize) -> Vec<f32> {
    let total = segments.iter().map(SpeechSegment::len).sum();
    let mut out: Vec<f32> = Vec::with_capacity(total);
    for seg in segments {
        let end = seg.end.min(samples.len());
        let piece = &samples[seg.start.min(end)..end];
        let x = crossfade.min(out.len()).min(piece.len());
        let base = out.len() - x;
        for (i, (o, &p)) in out[base..].iter_mut().zip(piece).enumerate() {
            let w_in = 0.5 - 0.5 * (std::f32::consts::PI * (i as f32 + 0.5) / x as f32).cos();
            *o = *o * (1.0 - w_in) + p * w_in;
        }
        out.extend_from_slice(&piece[x..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seg(start: usize, end: usize) -> SpeechSegment {
        SpeechSegment { start, end }
    }

    #[test]
    fn no_crossfade_is_concatenation() {
        let x: Vec<f32> = (0..10).map(|i| i as f32).collect();
        assert_eq!(
            join_speech(&x, &[seg(1, 3), seg(6, 8)], 0),
            vec![1.0, 2.0, 6.0, 7.0]
        );
        // Out-of-range segments are clipped, not a panic.
        assert_eq!(
            join_speech(&x, &[seg(8, 20), seg(30, 40)], 4),
            vec![8.0, 9.0]
        );
    }

    #[test]
    fn crossfade_goes_smoothly_from_one_piece_to_the_next() {
        let mut x = vec![1.0f32; 100];
        x[50..].fill(-1.0);
        let y = join_speech(&x, &[seg(0, 50), seg(50, 100)], 20);
        assert_eq!(y.len(), 80);
        // Monotone from +1 to -1 over the 20 samples, no step bigger than a
        // sampled raised cosine's.
        for w in y.windows(2) {
            assert!(w[1] <= w[0] + 1e-6);
            assert!(w[0] - w[1] < 0.2, "{w:?}");
        }
        assert_eq!((y[29], y[50]), (1.0, -1.0));
    }

    proptest! {
        #[test]
        fn length_and_level_are_kept(
            cuts in proptest::collection::vec(0usize..1000, 0..12),
            xf in 0usize..64,
        ) {
            let mut c = cuts;
            c.sort_unstable();
            let segs: Vec<_> = c.chunks_exact(2).map(|p| seg(p[0], p[1])).collect();
            let x = vec![0.5f32; 1000];
            let y = join_speech(&x, &segs, xf);
            let total: usize = segs.iter().map(SpeechSegment::len).sum();
            prop_assert!(y.len() <= total && y.len() + xf * segs.len() >= total);
            // Weights sum to one: a constant stays constant.
            prop_assert!(y.iter().all(|&v| (v - 0.5).abs() < 1e-6));
        }
    }
}
