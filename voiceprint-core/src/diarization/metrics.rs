//! Diarization error rate (DER), computed as pyannote.metrics'
//! `DiarizationErrorRate(collar=c, skip_overlap=False)` computes it, the
//! field's reference scorer:
//!
//! 1. the scored region is the extent of reference and hypothesis (from the
//!    first start to the last end; pyannote's approximation when no UEM is
//!    given) less a collar of total width `collar` centred on every
//!    reference boundary (`collar = 0.5` forgives ±0.25 s; pyannote's
//!    `utils.UEMSupportMixin.extrude`); both annotations are cropped to it;
//! 2. hypothesis speakers are mapped one to one to reference speakers so
//!    that the total time they are both speaking is maximal (Hungarian
//!    algorithm, pyannote's `HungarianMapper`); an unmapped hypothesis
//!    speaker is never correct;
//! 3. over every stretch between two boundaries, with `R` reference and
//!    `H` hypothesis speakers active of which `C` agree under the mapping:
//!    total += R, correct += C, confusion += min(R, H) - C,
//!    missed detection += max(0, R - H), false alarm += max(0, H - R), each
//!    times the stretch's length (pyannote's `IdentificationErrorRate` and
//!    `LabelMatcher`). Overlapped speech counts once per speaker.
//!
//! DER = (missed detection + false alarm + confusion) / total. Times are
//! exact: a sweep over the sorted boundaries, no frames. Over a corpus the
//! DER is the ratio of the summed components ([`corpus_der`]), as
//! pyannote's `abs(metric)` accumulates them, not a mean of per-file rates.

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

use super::result::Segment;
use super::rttm::RttmTurn;
use crate::score::max_weight_assignment;
use crate::{Error, Result};

/// pyannote.core's `SEGMENT_PRECISION`: a segment no longer than this is
/// empty there (never stored, no collar), so it is ignored here too.
const SEGMENT_PRECISION: f64 = 1e-6;

/// A stretch of speech of one speaker, as the DER reads it: implemented by
/// [`RttmTurn`], [`Segment`] and `(start, end, label)` triples.
pub trait SpeakerTurn {
    /// Start, seconds.
    fn start(&self) -> f64;
    /// End, seconds.
    fn end(&self) -> f64;
    /// The speaker's label.
    fn speaker(&self) -> &str;
}

impl SpeakerTurn for RttmTurn {
    fn start(&self) -> f64 {
        self.start
    }
    fn end(&self) -> f64 {
        self.end
    }
    fn speaker(&self) -> &str {
        &self.speaker
    }
}

impl SpeakerTurn for Segment {
    fn start(&self) -> f64 {
        self.start
    }
    fn end(&self) -> f64 {
        self.end
    }
    fn speaker(&self) -> &str {
        &self.speaker
    }
}

impl<S: AsRef<str>> SpeakerTurn for (f64, f64, S) {
    fn start(&self) -> f64 {
        self.0
    }
    fn end(&self) -> f64 {
        self.1
    }
    fn speaker(&self) -> &str {
        self.2.as_ref()
    }
}

/// The durations (seconds) the DER is made of; pyannote's detailed
/// components. Add them up over files for a corpus-level rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DerComponents {
    /// Reference speech, scored region only, counted once per speaker
    /// (two speakers overlapping for 1 s count 2 s).
    pub total: f64,
    /// Reference speech attributed to the mapped hypothesis speaker.
    pub correct: f64,
    /// Reference speech with no hypothesis speaker for it.
    pub missed_detection: f64,
    /// Hypothesis speech with no reference speaker for it.
    pub false_alarm: f64,
    /// Reference speech attributed to another speaker.
    pub confusion: f64,
}

impl DerComponents {
    /// (missed detection + false alarm + confusion) / total; with no
    /// reference speech, 0 when there is no error either and 1 otherwise
    /// (pyannote's convention).
    pub fn der(&self) -> f64 {
        let error = self.missed_detection + self.false_alarm + self.confusion;
        if self.total == 0.0 {
            if error == 0.0 {
                0.0
            } else {
                1.0
            }
        } else {
            error / self.total
        }
    }
}

impl AddAssign for DerComponents {
    fn add_assign(&mut self, o: Self) {
        self.total += o.total;
        self.correct += o.correct;
        self.missed_detection += o.missed_detection;
        self.false_alarm += o.false_alarm;
        self.confusion += o.confusion;
    }
}

impl Add for DerComponents {
    type Output = Self;
    fn add(mut self, o: Self) -> Self {
        self += o;
        self
    }
}

impl std::iter::Sum for DerComponents {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

/// The DER of one file: its components, the speaker mapping, and the
/// speaker counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerReport {
    /// The durations the rate is made of.
    pub components: DerComponents,
    /// Hypothesis label → the reference label it was mapped to; hypothesis
    /// speakers that share no scored time with any reference speaker (or
    /// lost out to another) are absent.
    pub mapping: BTreeMap<String, String>,
    /// Distinct reference speakers (of turns longer than 1 µs).
    pub reference_speakers: usize,
    /// Distinct hypothesis speakers (of turns longer than 1 µs).
    pub hypothesis_speakers: usize,
}

impl DerReport {
    /// The diarization error rate, see [`DerComponents::der`].
    pub fn der(&self) -> f64 {
        self.components.der()
    }

    /// Whether the hypothesis has as many speakers as the reference.
    pub fn speaker_count_correct(&self) -> bool {
        self.reference_speakers == self.hypothesis_speakers
    }
}

/// The diarization error rate of `hypothesis` against `reference`, one
/// file, with a forgiveness collar of total width `collar` seconds around
/// every reference boundary (0 for the strict rate; 0.5 for the usual
/// ±0.25 s). Equal to pyannote.metrics'
/// `DiarizationErrorRate(collar=collar, skip_overlap=False)`; see the
/// [module](self) documentation for the definition.
///
/// Errors: [`Error::InvalidArgument`] for a collar that is negative or not
/// finite, or a turn whose times are not finite or that ends before it starts.
///
/// ```
/// use voiceprint_core::diarization::diarization_error_rate;
/// let reference = [(0.0, 10.0, "alice"), (10.0, 20.0, "bob")];
/// // Right speaker change 1 s late, speakers named differently.
/// let hypothesis = [(0.0, 11.0, "S0"), (11.0, 20.0, "S1")];
/// let r = diarization_error_rate(&reference, &hypothesis, 0.0)?;
/// assert!((r.der() - 0.05).abs() < 1e-12); // 1 s confused out of 20 s
/// assert_eq!(r.mapping["S0"], "alice");
/// // A 2 s collar (±1 s) forgives the late change.
/// assert_eq!(diarization_error_rate(&reference, &hypothesis, 2.0)?.der(), 0.0);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn diarization_error_rate<R: SpeakerTurn, H: SpeakerTurn>(
    reference: &[R],
    hypothesis: &[H],
    collar: f64,
) -> Result<DerReport> {
    if !collar.is_finite() || collar < 0.0 {
        return Err(Error::invalid_argument(
            "collar",
            format!("{collar} must be a finite, non-negative number of seconds"),
        ));
    }
    let reference = Labelled::new("reference", reference)?;
    let hypothesis = Labelled::new("hypothesis", hypothesis)?;
    let scored = scored_region(&reference.turns, &hypothesis.turns, collar);
    let ref_pieces = crop(&reference.turns, scored.as_deref());
    let hyp_pieces = crop(&hypothesis.turns, scored.as_deref());
    let stretches = sweep(
        &ref_pieces,
        &hyp_pieces,
        reference.labels.len(),
        hypothesis.labels.len(),
    );

    // Co-occurrence, hypothesis × reference: seconds both speak (once per
    // pair of overlapping turns, as pyannote's `Annotation.__mul__`).
    let mut cooccurrence = vec![vec![0.0f64; reference.labels.len()]; hypothesis.labels.len()];
    for s in &stretches {
        for &(h, nh) in &s.hyp {
            for &(r, nr) in &s.reference {
                cooccurrence[h][r] += s.duration * f64::from(nh) * f64::from(nr);
            }
        }
    }
    let assignment = max_weight_assignment(&cooccurrence);
    let mut mapped_to = vec![None; reference.labels.len()];
    let mut mapping = BTreeMap::new();
    for (h, r) in assignment.iter().enumerate() {
        if let Some(r) = *r {
            mapped_to[r] = Some(h);
            mapping.insert(hypothesis.labels[h].clone(), reference.labels[r].clone());
        }
    }

    let mut c = DerComponents::default();
    for s in &stretches {
        let nr: u32 = s.reference.iter().map(|&(_, n)| n).sum();
        let nh: u32 = s.hyp.iter().map(|&(_, n)| n).sum();
        // Label by label, as many agree as the smaller count of the two
        // (LabelMatcher's optimal matching of equal labels).
        let correct: u32 = s
            .reference
            .iter()
            .map(|&(r, n)| {
                let h = mapped_to[r].and_then(|h| s.hyp.iter().find(|&&(l, _)| l == h));
                h.map_or(0, |&(_, m)| n.min(m))
            })
            .sum();
        let d = s.duration;
        c.total += d * f64::from(nr);
        c.correct += d * f64::from(correct);
        c.confusion += d * f64::from(nr.min(nh) - correct);
        c.missed_detection += d * f64::from(nr.saturating_sub(nh));
        c.false_alarm += d * f64::from(nh.saturating_sub(nr));
    }
    Ok(DerReport {
        components: c,
        mapping,
        reference_speakers: reference.labels.len(),
        hypothesis_speakers: hypothesis.labels.len(),
    })
}

/// The corpus-level components: the sum over files, whose
/// [`der`](DerComponents::der) is pyannote's `abs(metric)` after scoring
/// every file (total error over total reference speech).
///
/// ```
/// use voiceprint_core::diarization::{corpus_der, diarization_error_rate};
/// let a = diarization_error_rate(&[(0.0, 1.0, "x")], &[(0.0, 1.0, "y")], 0.0)?;
/// let b = diarization_error_rate(&[(0.0, 3.0, "x")], &[(0.0, 0.0, "y")], 0.0)?;
/// assert_eq!(corpus_der([&a, &b]).der(), 0.75); // 3 s missed out of 4 s
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn corpus_der<'a>(reports: impl IntoIterator<Item = &'a DerReport>) -> DerComponents {
    reports.into_iter().map(|r| r.components).sum()
}

/// Turns with their labels as indices (labels sorted, as pyannote's
/// `Annotation.labels()`), empty turns dropped.
struct Labelled {
    labels: Vec<String>,
    /// (start, end, label index).
    turns: Vec<(f64, f64, usize)>,
}

impl Labelled {
    fn new<T: SpeakerTurn>(name: &'static str, turns: &[T]) -> Result<Self> {
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, t) in turns.iter().enumerate() {
            let (s, e) = (t.start(), t.end());
            if !(s.is_finite() && e.is_finite()) || e < s {
                return Err(Error::invalid_argument(
                    name,
                    format!(
                        "turn {i} ({s} to {e} s) must have finite times and end after it starts"
                    ),
                ));
            }
            if e - s > SEGMENT_PRECISION {
                index.insert(t.speaker(), 0);
            }
        }
        for (i, v) in index.values_mut().enumerate() {
            *v = i;
        }
        let kept = turns
            .iter()
            .filter(|t| t.end() - t.start() > SEGMENT_PRECISION)
            .filter_map(|t| Some((t.start(), t.end(), *index.get(t.speaker())?)))
            .collect();
        Ok(Labelled {
            labels: index.keys().map(|l| (*l).to_owned()).collect(),
            turns: kept,
        })
    }
}

/// The scored region as sorted disjoint intervals, or `None` for
/// "everything" (no collar: pyannote then leaves its UEM, the extent of
/// both annotations, as it is, and cropping to the extent changes nothing).
fn scored_region(
    reference: &[(f64, f64, usize)],
    hypothesis: &[(f64, f64, usize)],
    collar: f64,
) -> Option<Vec<(f64, f64)>> {
    if collar == 0.0 {
        return None;
    }
    let all = reference.iter().chain(hypothesis);
    let first = all.clone().map(|t| t.0).fold(f64::INFINITY, f64::min);
    let last = all.map(|t| t.1).fold(f64::NEG_INFINITY, f64::max);
    if first >= last {
        return Some(Vec::new());
    }
    // Collars centred on every reference boundary, written as pyannote
    // does (`t - 0.5 * collar`) so that the crop boundaries are the same floats.
    let mut collars: Vec<(f64, f64)> = reference
        .iter()
        .flat_map(|&(s, e, _)| [s, e])
        .map(|t| (t - 0.5 * collar, t + 0.5 * collar))
        .collect();
    collars.sort_by(|a, b| a.0.total_cmp(&b.0));
    // The gaps between the merged collars, within the extent.
    let mut scored = Vec::new();
    let mut cursor = first;
    for (s, e) in collars {
        if s > cursor {
            scored.push((cursor, s.min(last)));
        }
        cursor = cursor.max(e);
        if cursor >= last {
            break;
        }
    }
    if cursor < last {
        scored.push((cursor, last));
    }
    scored.retain(|&(s, e)| e - s > 0.0);
    Some(scored)
}

/// Each turn intersected with the scored region (pyannote's
/// `Annotation.crop(uem, mode="intersection")`), pieces longer than
/// [`SEGMENT_PRECISION`] kept.
fn crop(turns: &[(f64, f64, usize)], scored: Option<&[(f64, f64)]>) -> Vec<(f64, f64, usize)> {
    let Some(scored) = scored else {
        return turns.to_vec();
    };
    let mut pieces = Vec::new();
    for &(s, e, l) in turns {
        let first = scored.partition_point(|&(_, ue)| ue <= s);
        for &(us, ue) in scored[first..].iter().take_while(|&&(us, _)| us < e) {
            let (ps, pe) = (s.max(us), e.min(ue));
            if pe - ps > SEGMENT_PRECISION {
                pieces.push((ps, pe, l));
            }
        }
    }
    pieces
}

/// A stretch between two consecutive boundaries, with the speakers active
/// in it: (label, number of their turns covering it).
struct Stretch {
    duration: f64,
    reference: Vec<(usize, u32)>,
    hyp: Vec<(usize, u32)>,
}

/// The stretches between all sorted boundaries where anyone speaks.
fn sweep(
    reference: &[(f64, f64, usize)],
    hypothesis: &[(f64, f64, usize)],
    n_ref: usize,
    n_hyp: usize,
) -> Vec<Stretch> {
    // (time, side: 0 reference / 1 hypothesis, label, +1 start / -1 end)
    let mut events: Vec<(f64, usize, usize, i64)> =
        Vec::with_capacity(2 * (reference.len() + hypothesis.len()));
    for (side, turns) in [reference, hypothesis].into_iter().enumerate() {
        for &(s, e, l) in turns {
            events.push((s, side, l, 1));
            events.push((e, side, l, -1));
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut counts = [vec![0i64; n_ref], vec![0i64; n_hyp]];
    let mut active = 0i64;
    let mut stretches = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let t = events[i].0;
        while i < events.len() && events[i].0 == t {
            let (_, side, l, delta) = events[i];
            counts[side][l] += delta;
            active += delta;
            i += 1;
        }
        let Some(&(next, ..)) = events.get(i) else {
            break;
        };
        if active > 0 && next > t {
            let nonzero = |c: &[i64]| -> Vec<(usize, u32)> {
                c.iter()
                    .enumerate()
                    .filter(|&(_, &n)| n > 0)
                    .map(|(l, &n)| (l, u32::try_from(n).unwrap_or(u32::MAX)))
                    .collect()
            };
            stretches.push(Stretch {
                duration: next - t,
                reference: nonzero(&counts[0]),
                hyp: nonzero(&counts[1]),
            });
        }
    }
    stretches
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_hypothesis_with_other_names() {
        let r = [(0.0, 2.0, "a"), (2.0, 5.0, "b"), (4.0, 6.0, "a")];
        let h = [(0.0, 2.0, "x"), (2.0, 5.0, "y"), (4.0, 6.0, "x")];
        let d = diarization_error_rate(&r, &h, 0.0).unwrap();
        assert_eq!(d.der(), 0.0);
        assert!(close(d.components.total, 7.0)); // 1 s of overlap counts twice
        assert_eq!(
            d.mapping,
            BTreeMap::from([("x".into(), "a".into()), ("y".into(), "b".into())])
        );
        assert!(d.speaker_count_correct());
    }

    #[test]
    fn miss_false_alarm_and_confusion() {
        // Reference: a 0-4, b 4-8. Hypothesis: x 0-3 (a), y 3-6 (b, 1 s
        // confused with a), x 7-10 (1 s confused with b, 2 s false alarm).
        let r = [(0.0, 4.0, "a"), (4.0, 8.0, "b")];
        let h = [(0.0, 3.0, "x"), (3.0, 6.0, "y"), (7.0, 10.0, "x")];
        let d = diarization_error_rate(&r, &h, 0.0).unwrap();
        let c = d.components;
        assert!(close(c.total, 8.0));
        assert!(close(c.correct, 5.0));
        assert!(close(c.confusion, 2.0));
        assert!(close(c.missed_detection, 1.0)); // 6-7
        assert!(close(c.false_alarm, 2.0)); // 8-10
        assert!(close(d.der(), 5.0 / 8.0));
    }

    #[test]
    fn overlap_counts_per_speaker() {
        // Both speak 0-2; the hypothesis finds only one of them.
        let d =
            diarization_error_rate(&[(0.0, 2.0, "a"), (0.0, 2.0, "b")], &[(0.0, 2.0, "x")], 0.0)
                .unwrap();
        assert!(close(d.components.total, 4.0));
        assert!(close(d.components.missed_detection, 2.0));
        assert!(close(d.der(), 0.5));
        assert_eq!((d.reference_speakers, d.hypothesis_speakers), (2, 1));
        assert!(!d.speaker_count_correct());
    }

    #[test]
    fn collar_removes_its_total_width_around_reference_boundaries() {
        // Boundaries at 0, 5, 10: a 1 s collar removes 0-0.5, 4.5-5.5, 9.5-10.
        let r = [(0.0, 5.0, "a"), (5.0, 10.0, "b")];
        let h = [(0.0, 10.0, "x")];
        let d = diarization_error_rate(&r, &h, 1.0).unwrap();
        assert!(close(d.components.total, 8.0));
        assert!(close(d.components.confusion, 4.0));
        // Hypothesis speech outside the extent of the reference is scored.
        let d = diarization_error_rate(&r, &[(0.0, 12.0, "x")], 1.0).unwrap();
        assert!(close(d.components.false_alarm, 1.5));
    }

    #[test]
    fn empty_inputs() {
        let none: [(f64, f64, &str); 0] = [];
        let d = diarization_error_rate(&none, &none, 0.5).unwrap();
        assert_eq!((d.der(), d.components.total), (0.0, 0.0));
        let d = diarization_error_rate(&none, &[(0.0, 1.0, "x")], 0.0).unwrap();
        assert_eq!(d.der(), 1.0);
        assert!(close(d.components.false_alarm, 1.0));
        let d = diarization_error_rate(&[(0.0, 1.0, "a")], &none, 0.0).unwrap();
        assert_eq!(d.der(), 1.0);
        // Zero-length turns do not exist for pyannote.
        let d =
            diarization_error_rate(&[(0.0, 1.0, "a"), (3.0, 3.0, "b")], &[(0.0, 1.0, "x")], 0.0)
                .unwrap();
        assert_eq!((d.der(), d.reference_speakers), (0.0, 1));
    }

    #[test]
    fn refuses_bad_arguments() {
        let r = [(0.0, 1.0, "a")];
        for collar in [-0.1, f64::NAN, f64::INFINITY] {
            let e = diarization_error_rate(&r, &r, collar).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        }
        let bad = [(0.0, 1.0, "a"), (2.0, 1.0, "a")];
        let e = diarization_error_rate(&r, &bad, 0.0).unwrap_err();
        assert!(
            e.to_string().contains("hypothesis") && e.to_string().contains("turn 1"),
            "{e}"
        );
        assert!(diarization_error_rate(&[(f64::NAN, 1.0, "a")], &r, 0.0).is_err());
    }

    #[test]
    fn works_on_rttm_turns_and_segments() {
        let turns =
            crate::diarization::parse_rttm("SPEAKER f 1 0 2 <NA> <NA> a <NA> <NA>\n").unwrap();
        let segments = [Segment {
            start: 0.0,
            end: 1.0,
            speaker: "S".into(),
            confidence: 1.0,
            subtitle_index: None,
        }];
        let d = diarization_error_rate(&turns, &segments, 0.0).unwrap();
        assert!(close(d.der(), 0.5));
    }

    #[test]
    fn corpus_rate_is_the_ratio_of_sums() {
        let a = diarization_error_rate(&[(0.0, 1.0, "a")], &[(0.0, 0.5, "x")], 0.0).unwrap();
        let b = diarization_error_rate(&[(0.0, 9.0, "a")], &[(0.0, 9.0, "x")], 0.0).unwrap();
        let c = corpus_der([&a, &b]);
        assert!(close(c.total, 10.0));
        assert!(close(c.der(), 0.05));
    }

    fn turns() -> impl Strategy<Value = Vec<(f64, f64, String)>> {
        proptest::collection::vec((0u32..2000, 1u32..400, 0u8..4), 0..12).prop_map(|v| {
            v.into_iter()
                .map(|(s, l, k)| (s as f64 / 100.0, (s + l) as f64 / 100.0, format!("s{k}")))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn components_are_consistent(r in turns(), h in turns(), collar in 0.0f64..1.0) {
            let d = diarization_error_rate(&r, &h, collar).unwrap();
            let c = d.components;
            prop_assert!(c.total >= 0.0 && c.correct >= 0.0 && c.confusion >= -1e-9);
            // Every reference second is correct, confused or missed.
            prop_assert!((c.correct + c.confusion + c.missed_detection - c.total).abs() < 1e-6);
            // Against itself: no error, whatever the collar.
            let same = diarization_error_rate(&r, &r, collar).unwrap();
            prop_assert!(same.der().abs() < 1e-9);
        }

        #[test]
        fn larger_collar_scores_less_reference(r in turns(), h in turns()) {
            let strict = diarization_error_rate(&r, &h, 0.0).unwrap();
            let forgiving = diarization_error_rate(&r, &h, 0.5).unwrap();
            prop_assert!(forgiving.components.total <= strict.components.total + 1e-9);
        }
    }
}
