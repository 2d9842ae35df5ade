//! From labelled windows to speaker turns with boundaries at 10 ms: each
//! stretch of speech takes the label of the window whose centre is
//! nearest, gaps inside one speaker's speech are bridged, and turn edges
//! are moved out to where the signal meets the recording's noise floor.

use std::ops::Range;

use super::Window;

/// A stretch of audio given to one cluster, in samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// Samples of the turn.
    pub span: Range<usize>,
    /// The cluster.
    pub label: usize,
}

/// Splits each speech region among its windows' labels: every sample goes
/// to the window with the nearest centre, so a change of speaker falls
/// halfway between the centres of the last window of one speaker and the
/// first of the next (snapped to `frame` samples). Regions without windows
/// (too short to embed) take the label of the nearest labelled turn.
pub fn turns_from_windows(
    regions: &[Range<usize>],
    windows: &[Window],
    labels: &[usize],
    frame: usize,
) -> Vec<Turn> {
    let frame = frame.max(1);
    let snap = |x: usize| (x + frame / 2) / frame * frame;
    let mut out: Vec<Turn> = Vec::new();
    let mut unlabelled: Vec<usize> = Vec::new();
    let mut w = 0;
    for (ri, region) in regions.iter().enumerate() {
        let first = w;
        while w < windows.len() && windows[w].region == ri {
            w += 1;
        }
        let mine = &windows[first..w];
        if mine.is_empty() {
            unlabelled.push(out.len());
            out.push(Turn {
                span: region.clone(),
                label: usize::MAX,
            });
            continue;
        }
        let mut start = region.start;
        for (k, win) in mine.iter().enumerate() {
            let label = labels[first + k];
            let end = match mine.get(k + 1) {
                Some(next) => snap((win.centre() + next.centre()) / 2).clamp(start, region.end),
                None => region.end,
            };
            push_merged(&mut out, start..end, label);
            start = end;
        }
    }
    for i in unlabelled {
        out[i].label = nearest_label(&out, i).unwrap_or(0);
    }
    let mut merged: Vec<Turn> = Vec::with_capacity(out.len());
    for t in out {
        push_merged(&mut merged, t.span, t.label);
    }
    merged
}

fn push_merged(out: &mut Vec<Turn>, span: Range<usize>, label: usize) {
    if span.is_empty() {
        return;
    }
    if let Some(last) = out.last_mut() {
        if last.label == label && last.span.end == span.start {
            last.span.end = span.end;
            return;
        }
    }
    out.push(Turn { span, label });
}

/// Label of the labelled turn closest in time to turn `i`.
fn nearest_label(turns: &[Turn], i: usize) -> Option<usize> {
    let me = &turns[i].span;
    let before = turns[..i]
        .iter()
        .rev()
        .find(|t| t.label != usize::MAX)
        .map(|t| (me.start.saturating_sub(t.span.end), t.label));
    let after = turns[i + 1..]
        .iter()
        .find(|t| t.label != usize::MAX)
        .map(|t| (t.span.start.saturating_sub(me.end), t.label));
    match (before, after) {
        (Some(b), Some(a)) => Some(if b.0 <= a.0 { b.1 } else { a.1 }),
        (Some(b), None) => Some(b.1),
        (None, Some(a)) => Some(a.1),
        (None, None) => None,
    }
}

/// Joins consecutive turns of the same label whose gap is at most
/// `max_gap` samples: a speaker's pauses belong to their turn.
pub fn bridge_gaps(turns: Vec<Turn>, max_gap: usize) -> Vec<Turn> {
    let mut out: Vec<Turn> = Vec::with_capacity(turns.len());
    for t in turns {
        if let Some(last) = out.last_mut() {
            if last.label == t.label && t.span.start.saturating_sub(last.span.end) <= max_gap {
                last.span.end = last.span.end.max(t.span.end);
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// Frame energies in dB (mean square of each `frame`-sample frame).
pub fn frame_energies_db(samples: &[f32], frame: usize) -> Vec<f32> {
    samples
        .chunks(frame.max(1))
        .map(|c| {
            let ms = c.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>() / c.len() as f64;
            (10.0 * (ms + 1e-12).log10()) as f32
        })
        .collect()
}

/// The recording's noise floor: the `percentile` (0-100) of frame energies.
pub fn noise_floor_db(energies: &[f32], percentile: f32) -> Option<f32> {
    if energies.is_empty() {
        return None;
    }
    let mut v = energies.to_vec();
    let k = ((percentile.clamp(0.0, 100.0) / 100.0) * (v.len() - 1) as f32).round() as usize;
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    Some(*x)
}

/// Moves each turn's edges outwards over the frames whose energy stays
/// above `threshold_db` (the signal of the recording the speech came in —
/// room tone, breaths, the first and last phonemes the VAD pads tightly),
/// by at most `max_extend` samples, never into a neighbouring turn; where
/// two turns reach into the same stretch, it is split at its middle.
/// `energies` has one value per `frame` samples; `len` bounds the result.
pub fn extend_to_floor(
    mut turns: Vec<Turn>,
    energies: &[f32],
    frame: usize,
    threshold_db: f32,
    max_extend: usize,
    len: usize,
) -> Vec<Turn> {
    let frame = frame.max(1);
    let active = |f: usize| energies.get(f).is_some_and(|&e| e > threshold_db);
    let n = turns.len();
    let mut grown: Vec<Range<usize>> = Vec::with_capacity(n);
    for i in 0..n {
        let span = turns[i].span.clone();
        let left_limit = if i > 0 { turns[i - 1].span.end } else { 0 }
            .max(span.start.saturating_sub(max_extend));
        let right_limit = turns
            .get(i + 1)
            .map_or(len, |t| t.span.start)
            .min(span.end + max_extend)
            .min(len);
        let mut start = span.start;
        while start >= frame && start - frame >= left_limit && active((start - frame) / frame) {
            start -= frame;
        }
        let mut end = span.end;
        while end + frame <= right_limit && active(end / frame) {
            end += frame;
        }
        grown.push(start.min(span.start)..end.max(span.end));
    }
    for i in 0..n {
        turns[i].span = grown[i].clone();
    }
    for i in 1..n {
        let (prev_end, start) = (turns[i - 1].span.end, turns[i].span.start);
        if prev_end > start {
            // Only extensions can overlap here (the turns themselves were
            // disjoint): split the contested stretch in the middle.
            let mid = (prev_end + start) / 2;
            turns[i - 1].span.end = mid.max(turns[i - 1].span.start);
            turns[i].span.start = mid.min(turns[i].span.end);
        }
    }
    turns.retain(|t| !t.span.is_empty());
    turns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn win(core: Range<usize>, region: usize) -> Window {
        Window {
            span: core.clone(),
            core,
            region,
        }
    }

    #[test]
    fn change_falls_between_window_centres() {
        let regions = vec![0..1000, 1500..1600];
        let windows = vec![win(0..400, 0), win(300..700, 0), win(600..1000, 0)];
        let turns = turns_from_windows(&regions, &windows, &[0, 0, 1], 10);
        // Centres 500 and 800: the change is at 650; the short region takes
        // the label of the nearest turn.
        assert_eq!(
            turns,
            vec![
                Turn {
                    span: 0..650,
                    label: 0
                },
                Turn {
                    span: 650..1000,
                    label: 1
                },
                Turn {
                    span: 1500..1600,
                    label: 1
                },
            ]
        );
    }

    #[test]
    fn gaps_are_bridged_within_a_speaker_only() {
        let t = vec![
            Turn {
                span: 0..100,
                label: 0,
            },
            Turn {
                span: 150..200,
                label: 0,
            },
            Turn {
                span: 260..300,
                label: 1,
            },
            Turn {
                span: 900..1000,
                label: 1,
            },
        ];
        let b = bridge_gaps(t, 100);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].span, 0..200);
        assert_eq!(b[2].span, 900..1000);
    }

    #[test]
    fn edges_grow_over_room_tone_but_not_digital_silence() {
        // 10-sample frames: floor -60 dB, room tone -45 dB at frames 3-4 and 12-13.
        let mut e = vec![-60.0f32; 20];
        e[3] = -45.0;
        e[4] = -45.0;
        e[12] = -45.0;
        e[13] = -45.0;
        let turns = vec![
            Turn {
                span: 50..120,
                label: 0,
            },
            Turn {
                span: 140..160,
                label: 1,
            },
        ];
        let out = extend_to_floor(turns, &e, 10, -57.0, 1000, 200);
        // Frames 12-13 lie between the turns and both reach into them:
        // the stretch is split in the middle.
        assert_eq!(out[0].span, 30..130);
        assert_eq!(out[1].span, 130..160);
        assert_eq!(noise_floor_db(&e, 10.0), Some(-60.0));
    }
}
