//! Kaldi's frame layout: where frame `f` starts, how many frames a signal
//! has, and the reflection at the edges (kaldi/src/feat/feature-window.cc
//! `FirstSampleOfFrame`, `NumFrames`, `ExtractWindow`).

/// Frame size and shift in samples plus Kaldi's `--snip-edges` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameLayout {
    /// Samples per frame (`WindowSize()`), at least 1.
    pub size: usize,
    /// Samples between frame starts (`WindowShift()`), at least 1.
    pub shift: usize,
    /// `true`: only frames that fit entirely in the signal, the first at
    /// sample 0. `false`: frames centred on `shift * f + shift / 2`, the
    /// signal mirrored at both ends, `round(n / shift)` frames.
    pub snip_edges: bool,
}

impl FrameLayout {
    /// Kaldi's `NumFrames(num_samples, opts, flush = true)`.
    pub fn num_frames(&self, num_samples: usize) -> usize {
        let shift = self.shift.max(1);
        if self.snip_edges {
            if num_samples < self.size {
                0
            } else {
                1 + (num_samples - self.size) / shift
            }
        } else {
            num_samples.saturating_add(shift / 2) / shift
        }
    }

    /// The fewest samples that give one frame.
    pub fn min_samples(&self) -> usize {
        if self.snip_edges {
            self.size
        } else {
            self.shift - self.shift / 2
        }
    }

    /// Kaldi's `FirstSampleOfFrame`: negative before the signal when
    /// `snip_edges` is false.
    pub fn first_sample(&self, frame: usize) -> i64 {
        let start = frame as i64 * self.shift as i64;
        if self.snip_edges {
            start
        } else {
            start + (self.shift / 2) as i64 - (self.size / 2) as i64
        }
    }

    /// Copies frame `frame` of `samples`, times `scale`, into `out` (whose
    /// length is the frame size). Samples outside the signal are mirrored
    /// as Kaldi's `ExtractWindow` does (-1 -> 0, -2 -> 1, n -> n - 1),
    /// repeatedly for signals shorter than a frame. An empty signal gives
    /// zeros.
    pub fn extract(&self, samples: &[f32], frame: usize, scale: f32, out: &mut [f32]) {
        let start = self.first_sample(frame);
        let inside = usize::try_from(start)
            .ok()
            .and_then(|s| samples.get(s..s.checked_add(out.len())?));
        if let Some(src) = inside {
            for (o, &x) in out.iter_mut().zip(src) {
                *o = x * scale;
            }
            return;
        }
        let n = samples.len() as i64;
        for (s, o) in out.iter_mut().enumerate() {
            *o = reflect(start + s as i64, n)
                .and_then(|i| samples.get(i))
                .map_or(0.0, |&x| x * scale);
        }
    }
}

/// Mirrors index `i` into `0..n` the way Kaldi does; `None` when `n == 0`.
fn reflect(mut i: i64, n: i64) -> Option<usize> {
    if n <= 0 {
        return None;
    }
    // Each step strictly shrinks |i - (n-1)/2| until i is inside, so the
    // loop ends; at most a handful of turns for any real frame.
    while i < 0 || i >= n {
        i = if i < 0 { -i - 1 } else { 2 * n - 1 - i };
    }
    usize::try_from(i).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SNIP: FrameLayout = FrameLayout {
        size: 400,
        shift: 160,
        snip_edges: true,
    };
    const NO_SNIP: FrameLayout = FrameLayout {
        size: 400,
        shift: 160,
        snip_edges: false,
    };

    #[test]
    fn kaldi_frame_counts() {
        assert_eq!(SNIP.num_frames(0), 0);
        assert_eq!(SNIP.num_frames(399), 0);
        assert_eq!(SNIP.num_frames(400), 1);
        assert_eq!(SNIP.num_frames(559), 1);
        assert_eq!(SNIP.num_frames(560), 2);
        assert_eq!(SNIP.num_frames(32000), 198);
        assert_eq!(NO_SNIP.num_frames(79), 0);
        assert_eq!(NO_SNIP.num_frames(80), 1);
        assert_eq!(NO_SNIP.num_frames(32000), 200);
        assert_eq!(NO_SNIP.min_samples(), 80);
        assert_eq!(SNIP.min_samples(), 400);
        assert_eq!(NO_SNIP.first_sample(0), -120);
        assert_eq!(NO_SNIP.first_sample(2), 200);
    }

    #[test]
    fn reflection_matches_kaldi() {
        assert_eq!(reflect(-1, 10), Some(0));
        assert_eq!(reflect(-2, 10), Some(1));
        assert_eq!(reflect(10, 10), Some(9));
        assert_eq!(reflect(11, 10), Some(8));
        // Repeated reflection for a one-sample signal.
        assert_eq!(reflect(-5, 1), Some(0));
        assert_eq!(reflect(7, 1), Some(0));
        assert_eq!(reflect(3, 0), None);
        let x: Vec<f32> = (0..500).map(|v| v as f32).collect();
        let mut out = vec![0.0; 400];
        NO_SNIP.extract(&x, 0, 1.0, &mut out);
        // first sample -120 mirrors to 119, -1 to 0.
        assert_eq!(out[0], 119.0);
        assert_eq!(out[119], 0.0);
        assert_eq!(out[120], 0.0);
        assert_eq!(out[121], 1.0);
        NO_SNIP.extract(&x, 3, 2.0, &mut out);
        // frame 3 covers 360..760: 500 -> 499, ...
        assert_eq!(out[139], 998.0);
        assert_eq!(out[140], 998.0);
        assert_eq!(out[141], 996.0);
    }

    proptest! {
        #[test]
        fn frame_count_formulas(n in 0usize..200_000, size in 1usize..2000, shift in 1usize..800) {
            let snip = FrameLayout { size, shift, snip_edges: true };
            let expect = if n < size { 0 } else { 1 + (n - size) / shift };
            prop_assert_eq!(snip.num_frames(n), expect);
            // Every frame fits; one more would not.
            let k = snip.num_frames(n);
            if k > 0 {
                prop_assert!(snip.first_sample(k - 1) as usize + size <= n);
            }
            prop_assert!(snip.first_sample(k) as usize + size > n);

            let no_snip = FrameLayout { size, shift, snip_edges: false };
            // round(n / shift), halves rounded up as integer Kaldi does.
            prop_assert_eq!(no_snip.num_frames(n), (n + shift / 2) / shift);
            prop_assert_eq!(no_snip.num_frames(n) == 0, n < no_snip.min_samples());
        }

        #[test]
        fn extract_stays_in_signal(n in 1usize..900, frame in 0usize..10) {
            let x: Vec<f32> = (0..n).map(|v| v as f32).collect();
            let mut out = vec![-1.0; 400];
            NO_SNIP.extract(&x, frame, 1.0, &mut out);
            prop_assert!(out.iter().all(|&v| v >= 0.0 && v < n as f32));
        }
    }
}
