/// A span of speech, in samples of the audio it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeechSegment {
    /// First sample of speech.
    pub start: usize,
    /// One past the last sample of speech.
    pub end: usize,
}

impl SpeechSegment {
    /// Length in samples.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the segment is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How probabilities become segments, and how [`SileroVad::keep_speech`]
/// joins them.
///
/// The defaults are for embedding speakers: Silero's thresholds, but speech
/// padded by 150 ms, pauses up to 300 ms (after padding) kept, and the kept
/// regions joined with a 15 ms crossfade. Silero's own 30 ms padding cuts
/// word onsets and decays off (Silero finds speech a frame late and ends it
/// early), which costs GE2E more than the silence it removes: on the
/// LibriSpeech halves of `tests/librispeech_eer.rs` the EER is 3.2 % with
/// Silero's segmentation and 2.2 % with these defaults (3.6 % without VAD).
/// [`VadOptions::silero`] gives Silero's `get_speech_timestamps` exactly.
///
/// [`SileroVad::keep_speech`]: super::SileroVad::keep_speech
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadOptions {
    /// Probability at or above which a frame is speech (0.5).
    pub threshold: f32,
    /// Probability below which speech ends; `None` is `max(threshold - 0.15, 0.01)`.
    pub neg_threshold: Option<f32>,
    /// Speech segments shorter than this are dropped (250 ms).
    pub min_speech_ms: u32,
    /// Silence shorter than this does not end a segment (100 ms).
    pub min_silence_ms: u32,
    /// Padding added on each side of a segment (150 ms; Silero's is 30 ms).
    pub speech_pad_ms: u32,
    /// After padding, neighbouring segments separated by less than this
    /// are merged, keeping the pause between them (300 ms; Silero: 0, no
    /// merging). Resemblyzer's `trim_long_silences` likewise removes only
    /// long silences; short pauses and breaths are part of what GE2E saw
    /// in training.
    pub merge_gap_ms: u32,
    /// Raised-cosine crossfade with which [`SileroVad::keep_speech`] joins
    /// kept regions, so the speaker encoder sees no hard cut (15 ms; 0 is
    /// plain concatenation). Does not change the segments.
    ///
    /// [`SileroVad::keep_speech`]: super::SileroVad::keep_speech
    pub crossfade_ms: u32,
}

impl Default for VadOptions {
    fn default() -> Self {
        VadOptions {
            speech_pad_ms: 150,
            merge_gap_ms: 300,
            crossfade_ms: 15,
            ..VadOptions::silero()
        }
    }
}

impl VadOptions {
    /// Silero's own defaults (`get_speech_timestamps` in
    /// silero_vad/utils_vad.py): 30 ms padding, no merging, hard joins.
    pub fn silero() -> Self {
        VadOptions {
            threshold: 0.5,
            neg_threshold: None,
            min_speech_ms: 250,
            min_silence_ms: 100,
            speech_pad_ms: 30,
            merge_gap_ms: 0,
            crossfade_ms: 0,
        }
    }
}

/// Speech segments from per-frame speech probabilities (one per
/// `frame_samples` samples), as Silero's `get_speech_timestamps` computes
/// them with `max_speech_duration_s = inf`, then neighbours closer than
/// `merge_gap_ms` merged (none with [`VadOptions::silero`]).
pub fn speech_segments(
    probs: &[f32],
    frame_samples: usize,
    sample_rate: u32,
    num_samples: usize,
    opts: &VadOptions,
) -> Vec<SpeechSegment> {
    let sr = sample_rate as f64;
    let min_speech = sr * opts.min_speech_ms as f64 / 1000.0;
    let pad = sr * opts.speech_pad_ms as f64 / 1000.0;
    let min_silence = sr * opts.min_silence_ms as f64 / 1000.0;
    let neg = opts
        .neg_threshold
        .unwrap_or((opts.threshold - 0.15).max(0.01));

    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut triggered = false;
    let mut start = 0usize;
    let mut temp_end = 0usize;
    for (i, &p) in probs.iter().enumerate() {
        let cur = frame_samples * i;
        if p >= opts.threshold && temp_end != 0 {
            temp_end = 0;
        }
        if p >= opts.threshold && !triggered {
            triggered = true;
            start = cur;
            continue;
        }
        if p < neg && triggered {
            if temp_end == 0 {
                temp_end = cur;
            }
            if ((cur - temp_end) as f64) < min_silence {
                continue;
            }
            if ((temp_end - start) as f64) > min_speech {
                segments.push((start, temp_end));
            }
            temp_end = 0;
            triggered = false;
        }
    }
    if triggered && (num_samples.saturating_sub(start) as f64) > min_speech {
        segments.push((start, num_samples));
    }

    // Pad each side, splitting the silence between neighbours closer than
    // twice the padding (as Silero does).
    let pad_i = pad as usize;
    let n = segments.len();
    for i in 0..n {
        if i == 0 {
            segments[0].0 = segments[0].0.saturating_sub(pad_i);
        }
        if i + 1 < n {
            let silence = segments[i + 1].0.saturating_sub(segments[i].1);
            if (silence as f64) < 2.0 * pad {
                segments[i].1 += silence / 2;
                segments[i + 1].0 = segments[i + 1].0.saturating_sub(silence / 2);
            } else {
                segments[i].1 = (segments[i].1 + pad_i).min(num_samples);
                segments[i + 1].0 = segments[i + 1].0.saturating_sub(pad_i);
            }
        } else {
            segments[i].1 = (segments[i].1 + pad_i).min(num_samples);
        }
    }
    // Not Silero's: merge across short pauses so they stay in the speech.
    let merge_gap = (sr * opts.merge_gap_ms as f64 / 1000.0) as usize;
    let mut merged: Vec<SpeechSegment> = Vec::with_capacity(segments.len());
    for (start, end) in segments {
        match merged.last_mut() {
            Some(last) if merge_gap > 0 && start.saturating_sub(last.end) < merge_gap => {
                last.end = last.end.max(end);
            }
            _ => merged.push(SpeechSegment { start, end }),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SR: u32 = 16000;
    const F: usize = 512;

    fn probs(pattern: &[(f32, usize)]) -> Vec<f32> {
        pattern
            .iter()
            .flat_map(|&(p, n)| std::iter::repeat_n(p, n))
            .collect()
    }

    #[test]
    fn one_speech_run_is_padded() {
        // 10 frames silence, 20 speech, 10 silence.
        let p = probs(&[(0.0, 10), (0.9, 20), (0.0, 10)]);
        let segs = speech_segments(&p, F, SR, p.len() * F, &VadOptions::silero());
        assert_eq!(
            segs,
            vec![SpeechSegment {
                start: 10 * F - 480,
                end: 30 * F + 480
            }]
        );
    }

    #[test]
    fn short_pauses_do_not_split_and_short_blips_are_dropped() {
        // A 2-frame (64 ms) pause is shorter than 100 ms: one segment.
        let p = probs(&[(0.9, 20), (0.0, 2), (0.9, 20), (0.0, 10)]);
        assert_eq!(
            speech_segments(&p, F, SR, p.len() * F, &VadOptions::silero()).len(),
            1
        );
        // A 5-frame (160 ms) pause splits.
        let p = probs(&[(0.9, 20), (0.0, 5), (0.9, 20), (0.0, 10)]);
        assert_eq!(
            speech_segments(&p, F, SR, p.len() * F, &VadOptions::silero()).len(),
            2
        );
        // 5 frames (160 ms) of speech is under 250 ms: dropped.
        let p = probs(&[(0.0, 10), (0.9, 5), (0.0, 10)]);
        assert!(speech_segments(&p, F, SR, p.len() * F, &VadOptions::silero()).is_empty());
    }

    #[test]
    fn hysteresis_keeps_speech_between_thresholds() {
        // 0.4 is under the threshold but above threshold - 0.15: speech continues.
        let p = probs(&[(0.9, 10), (0.4, 20), (0.0, 10)]);
        let segs = speech_segments(&p, F, SR, p.len() * F, &VadOptions::silero());
        assert_eq!(segs.len(), 1);
        assert!(segs[0].end >= 30 * F);
    }

    #[test]
    fn default_pads_more_and_merges_short_pauses() {
        // A 10-frame (320 ms) pause splits Silero's segments but is kept by
        // the default: 320 ms - 2 x 150 ms of padding is under 300 ms.
        let p = probs(&[(0.0, 20), (0.9, 20), (0.0, 10), (0.9, 20), (0.0, 20)]);
        let n = p.len() * F;
        assert_eq!(
            speech_segments(&p, F, SR, n, &VadOptions::silero()).len(),
            2
        );
        let segs = speech_segments(&p, F, SR, n, &VadOptions::default());
        assert_eq!(
            segs,
            vec![SpeechSegment {
                start: 20 * F - 2400,
                end: 70 * F + 2400
            }]
        );
        // A 1 s pause is a real break.
        let p = probs(&[(0.0, 20), (0.9, 20), (0.0, 32), (0.9, 20), (0.0, 20)]);
        assert_eq!(
            speech_segments(&p, F, SR, p.len() * F, &VadOptions::default()).len(),
            2
        );
    }

    proptest! {
        #[test]
        fn segments_are_ordered_disjoint_and_in_bounds(p in proptest::collection::vec(0.0f32..1.0, 0..400)) {
            let n = p.len() * F;
            for opts in [VadOptions::silero(), VadOptions::default()] {
            let segs = speech_segments(&p, F, SR, n, &opts);
            for s in &segs {
                prop_assert!(s.start < s.end && s.end <= n);
            }
            for w in segs.windows(2) {
                prop_assert!(w[0].end <= w[1].start);
            }
            }
        }
    }
}
