//! Where a diarizer embeds: windows of fixed length inside speech regions,
//! never across a pause, so each window is as likely as possible to hold
//! one voice. A region shorter than a window is embedded with the silence
//! around it as context (up to the neighbouring regions), which gives a
//! speaker model a steadier input than the same speech zero-padded.

use std::ops::Range;

/// A window to embed, in samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The speech this window stands for (what its label is given to).
    pub core: Range<usize>,
    /// The samples embedded: `core`, or for a short region `core` widened
    /// into the silence around it.
    pub span: Range<usize>,
    /// Index of the speech region it was cut from.
    pub region: usize,
}

impl Window {
    /// The centre of the speech it stands for, in samples.
    pub fn centre(&self) -> usize {
        (self.core.start + self.core.end) / 2
    }
}

/// Cuts each speech region into windows of `length` samples every `hop`
/// samples, the last one ending at the region's end. A region no longer
/// than `length` is one window: its core is the region, its span the
/// region widened into the neighbouring silence (never into another
/// region) towards `length`. Every span is at least `min_span` samples
/// (the encoder's shortest input) where `0..total` has room.
///
/// ```
/// use voiceprint_core::diarization::plan_windows;
/// let w = plan_windows(&[0..100, 200..230], 300, 40, 20, 10);
/// let cores: Vec<_> = w.iter().map(|w| w.core.clone()).collect();
/// assert_eq!(cores, vec![0..40, 20..60, 40..80, 60..100, 200..230]);
/// assert_eq!(w[4].span, 195..235); // widened to 40 samples into the silence
/// ```
pub fn plan_windows(
    regions: &[Range<usize>],
    total: usize,
    length: usize,
    hop: usize,
    min_span: usize,
) -> Vec<Window> {
    let length = length.max(1);
    let hop = hop.max(1);
    let mut out = Vec::new();
    for (region, r) in regions.iter().enumerate() {
        if r.is_empty() {
            continue;
        }
        if r.len() <= length {
            let lo = if region > 0 {
                regions[region - 1].end
            } else {
                0
            };
            let hi = regions.get(region + 1).map_or(total, |n| n.start);
            let mut span = widen(r.clone(), length, lo.min(r.start), hi.max(r.end));
            if span.len() < min_span {
                span = widen(span, min_span, 0, total);
            }
            out.push(Window {
                core: r.clone(),
                span,
                region,
            });
            continue;
        }
        let mut start = r.start;
        loop {
            let end = start + length;
            // Windows shorter than the encoder takes (a tiny `length`) are
            // widened like short regions, but may then cross a pause.
            let span = if length < min_span {
                widen(start..end, min_span, 0, total)
            } else {
                start..end
            };
            out.push(Window {
                core: start..end,
                span,
                region,
            });
            if end >= r.end {
                break;
            }
            start = (start + hop).min(r.end - length);
        }
    }
    out
}

/// `span` grown evenly on both sides towards `target` samples, inside
/// `lo..hi`; what one side cannot take goes to the other.
fn widen(span: Range<usize>, target: usize, lo: usize, hi: usize) -> Range<usize> {
    let need = target.saturating_sub(span.len());
    if need == 0 {
        return span;
    }
    let left_room = span.start - lo.min(span.start);
    let right_room = hi.max(span.end) - span.end;
    let mut left = (need / 2).min(left_room);
    let right = (need - left).min(right_room);
    left = (need - right).min(left_room);
    span.start - left..span.end + right
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_regions_take_context_from_silence_only() {
        // Region 1 is short; its neighbours stop the widening.
        let w = plan_windows(&[0..100, 120..140, 150..400], 400, 100, 50, 10);
        let short = w.iter().find(|w| w.region == 1).unwrap();
        assert_eq!(short.core, 120..140);
        assert_eq!(short.span, 100..150);
        // The encoder minimum wins over the neighbours.
        let w = plan_windows(&[0..100, 120..140, 150..400], 400, 100, 50, 80);
        let short = w.iter().find(|w| w.region == 1).unwrap();
        assert_eq!(short.span.len(), 80);
    }

    proptest! {
        #[test]
        fn windows_cover_each_region_and_stay_inside(
            starts in proptest::collection::vec((0usize..10_000, 1usize..5_000), 0..20),
            length in 1usize..3_000,
            hop in 1usize..3_000,
            min_span in 0usize..2_000,
        ) {
            let mut regions = Vec::new();
            let mut at = 0;
            for (gap, len) in starts {
                regions.push(at + gap..at + gap + len);
                at += gap + len;
            }
            let total = at + 100;
            let w = plan_windows(&regions, total, length, hop, min_span);
            for win in &w {
                let r = &regions[win.region];
                prop_assert!(win.core.start >= r.start && win.core.end <= r.end);
                prop_assert!(win.span.start <= win.core.start && win.span.end >= win.core.end);
                prop_assert!(win.span.end <= total);
                prop_assert!(win.span.len() >= min_span.min(total));
            }
            for (i, r) in regions.iter().enumerate() {
                let mine: Vec<_> = w.iter().filter(|x| x.region == i).collect();
                prop_assert_eq!(mine.first().map(|x| x.core.start), Some(r.start));
                prop_assert_eq!(mine.last().map(|x| x.core.end), Some(r.end));
            }
        }
    }
}
