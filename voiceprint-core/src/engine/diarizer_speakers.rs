//! Per-speaker summaries of a diarization: speech time, turns, centroid,
//! gender, median F0, the known voice (one-to-one), and each turn's
//! confidence.

use std::collections::BTreeSet;

use super::diarizer_config::DiarizerConfig;
use crate::audio::Audio;
use crate::cluster::centroids;
use crate::diarization::{KnownVoice, Speaker, Turn, Window};
use crate::embed::SpeakerEncoder;
use crate::engine::Voiceprints;
use crate::features::{PitchOptions, PitchTracker};
use crate::gender::GenderClassifier;
use crate::score::{dot, max_weight_assignment};
use crate::Result;

/// Similarity margins map to confidences through a logistic of this
/// scale: a margin of 0.1 (own cluster 0.1 more similar than the next) is
/// 0.88, 0.2 is 0.98.
const MARGIN_SCALE: f32 = 0.05;

/// Without an explicit threshold, a cluster is a known voice when it scores
/// at least the known-voices engine's threshold less this: a voiceprint of
/// conversational speech (short turns, cut at pauses) scores lower against
/// a clean enrolment than a clean utterance does; on the dev conversations
/// with GE2E, 0.03 lower.
const CLUSTER_THRESHOLD_OFFSET: f32 = 0.03;

/// What the speaker summaries are made from.
pub(crate) struct SpeakerEvidence<'a> {
    pub audio: &'a Audio,
    pub windows: &'a [Window],
    pub vectors: &'a [Vec<f32>],
    pub labels: &'a [usize],
    pub weights: &'a [f32],
}

/// What [`describe_speakers`] finds.
pub(crate) struct Described {
    /// Speakers in order of first speech.
    pub speakers: Vec<Speaker>,
    /// The name of each cluster label: `SPEAKER_NN` or the matched known voice.
    pub names: Vec<String>,
    /// A confidence per turn.
    pub confidences: Vec<f32>,
}

/// Summarises the clusters behind `turns`.
pub(crate) fn describe_speakers(
    ev: &SpeakerEvidence<'_>,
    turns: &[(Turn, Option<u32>)],
    encoder: &dyn SpeakerEncoder,
    known: Option<&Voiceprints>,
    known_threshold: Option<f32>,
    gender: Option<&GenderClassifier>,
    config: &DiarizerConfig,
) -> Result<Described> {
    let rows: Vec<&[f32]> = ev.vectors.iter().map(Vec::as_slice).collect();
    let k = ev
        .labels
        .iter()
        .chain(turns.iter().map(|(t, _)| &t.label))
        .max()
        .map_or(0, |m| m + 1);
    let mut cents = centroids(&rows, ev.labels, Some(ev.weights))?;
    cents.resize(k, vec![0.0; rows.first().map_or(0, |r| r.len())]);

    // Order clusters by first speech.
    let mut first = vec![usize::MAX; k];
    for (t, _) in turns {
        first[t.label] = first[t.label].min(t.span.start);
    }
    let mut order: Vec<usize> = (0..k).filter(|&c| first[c] != usize::MAX).collect();
    order.sort_by_key(|&c| first[c]);
    let mut names: Vec<String> = vec![String::new(); k];
    for (rank, &c) in order.iter().enumerate() {
        names[c] = format!("SPEAKER_{rank:02}");
    }

    // Each speaker's voiceprint is its speech embedded as one utterance,
    // as enrolled voices are: window means of 1.2 s pieces sit apart from
    // utterance voiceprints, and the gender head was trained on utterances.
    let sr = ev.audio.sample_rate();
    let budget = (f64::from(config.speaker_seconds) * f64::from(sr)) as usize;
    let speech: Vec<Vec<f32>> = order
        .iter()
        .map(|&c| speaker_speech(ev, c, budget))
        .collect();
    let min_len = (f64::from(encoder.min_seconds()) * f64::from(sr)).ceil() as usize;
    let embeddable: Vec<usize> = (0..order.len())
        .filter(|&i| speech[i].len() >= min_len)
        .collect();
    let audios = embeddable
        .iter()
        .map(|&i| Audio::from_mono(speech[i].clone(), sr))
        .collect::<Result<Vec<_>>>()?;
    let mut voiceprints = cents.clone();
    for (&i, e) in embeddable.iter().zip(encoder.embed_audio_batch(&audios)?) {
        voiceprints[order[i]] = e.vector;
    }

    let (matched, best) = match known {
        Some(engine) => match_known(engine, &voiceprints, &order, known_threshold)?,
        None => (vec![None; k], vec![None; k]),
    };
    for &c in &order {
        if let Some(m) = &matched[c] {
            names[c] = m.id.clone();
        }
    }

    let confidences = turn_confidences(ev, turns, &cents);

    let mut speech_len = vec![0usize; k];
    let mut turn_count = vec![0u32; k];
    let mut sorted: Vec<&Turn> = turns.iter().map(|(t, _)| t).collect();
    sorted.sort_by_key(|t| t.span.start);
    let mut previous = usize::MAX;
    for t in &sorted {
        speech_len[t.label] += t.span.len();
        if t.label != previous {
            turn_count[t.label] += 1;
        }
        previous = t.label;
    }

    let tracker = PitchTracker::new(sr, PitchOptions::default())?;
    let mut speakers = Vec::with_capacity(order.len());
    for (i, &c) in order.iter().enumerate() {
        let median_f0_hz = if speech[i].is_empty() {
            None
        } else {
            tracker.median_f0(&speech[i])?
        };
        let prediction = match gender {
            Some(g) if voiceprints[c].iter().any(|x| *x != 0.0) => {
                Some(g.predict_vector(&voiceprints[c])?)
            }
            _ => None,
        };
        speakers.push(Speaker {
            label: names[c].clone(),
            speech_seconds: speech_len[c] as f64 / f64::from(sr),
            turns: turn_count[c],
            centroid: voiceprints[c].clone(),
            gender: prediction.as_ref().map(|p| p.gender),
            female_probability: prediction.map(|p| p.female_probability),
            median_f0_hz,
            known: matched[c].clone(),
            best_candidate: best[c].clone(),
        });
    }
    Ok(Described {
        speakers,
        names,
        confidences,
    })
}

/// The speech of cluster `c` (the union of its windows' cores), its
/// longest stretches first up to `budget` samples, then in time order.
fn speaker_speech(ev: &SpeakerEvidence<'_>, c: usize, budget: usize) -> Vec<f32> {
    let mut pieces: Vec<std::ops::Range<usize>> = Vec::new();
    for (w, _) in ev.windows.iter().zip(ev.labels).filter(|(_, &l)| l == c) {
        match pieces.last_mut() {
            Some(last) if w.core.start <= last.end => last.end = last.end.max(w.core.end),
            _ => pieces.push(w.core.clone()),
        }
    }
    pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut kept = Vec::new();
    let mut total = 0;
    for p in pieces {
        if total >= budget {
            break;
        }
        let take = p.len().min(budget - total);
        total += take;
        kept.push(p.start..p.start + take);
    }
    kept.sort_by_key(|p| p.start);
    let samples = ev.audio.samples();
    let mut out = Vec::with_capacity(total);
    for p in kept {
        out.extend_from_slice(&samples[p.start.min(samples.len())..p.end.min(samples.len())]);
    }
    out
}

/// Per cluster label: the known voice it was matched to, and its best candidate.
type KnownMatches = (Vec<Option<KnownVoice>>, Vec<Option<KnownVoice>>);

/// Matches clusters to enrolled voices one to one (Hungarian), keeping
/// pairs at or above the threshold; also returns each cluster's best
/// candidate. Candidates come from a top-k search per cluster, so a store
/// of any size costs one search per cluster.
fn match_known(
    engine: &Voiceprints,
    cents: &[Vec<f32>],
    order: &[usize],
    threshold: Option<f32>,
) -> Result<KnownMatches> {
    let k = cents.len();
    let threshold = threshold.unwrap_or_else(|| engine.threshold() - CLUSTER_THRESHOLD_OFFSET);
    let mut matched = vec![None; k];
    let mut best = vec![None; k];
    if engine.is_empty() {
        return Ok((matched, best));
    }
    let depth = order.len() + 4;
    let mut hits = Vec::with_capacity(order.len());
    let mut ids = BTreeSet::new();
    for &c in order {
        let found = engine.store().search(&cents[c], depth, None)?;
        if let Some(top) = found.first() {
            best[c] = Some(KnownVoice {
                id: top.id.clone(),
                score: top.score,
            });
        }
        ids.extend(found.iter().map(|m| m.id.clone()));
        hits.push(found);
    }
    let ids: Vec<String> = ids.into_iter().collect();
    let weights: Vec<Vec<f64>> = hits
        .iter()
        .map(|found| {
            ids.iter()
                .map(|id| {
                    found
                        .iter()
                        .find(|m| &m.id == id)
                        .filter(|m| m.score >= threshold)
                        // Above the threshold every pair counts; the margin
                        // over it decides between rival assignments.
                        .map_or(0.0, |m| f64::from(m.score - threshold) + 1e-6)
                })
                .collect()
        })
        .collect();
    for (row, col) in max_weight_assignment(&weights).into_iter().enumerate() {
        if let Some(col) = col {
            let c = order[row];
            let score = hits[row]
                .iter()
                .find(|m| m.id == ids[col])
                .map_or(0.0, |m| m.score);
            matched[c] = Some(KnownVoice {
                id: ids[col].clone(),
                score,
            });
        }
    }
    Ok((matched, best))
}

/// Confidence of each turn: over the windows centred inside it, the mean
/// margin of the similarity to its own cluster over the best other one,
/// through a logistic. One cluster: 1.
fn turn_confidences(
    ev: &SpeakerEvidence<'_>,
    turns: &[(Turn, Option<u32>)],
    cents: &[Vec<f32>],
) -> Vec<f32> {
    let active: Vec<usize> = (0..cents.len())
        .filter(|&c| cents[c].iter().any(|x| *x != 0.0))
        .collect();
    if active.len() <= 1 || ev.windows.is_empty() {
        return vec![1.0; turns.len()];
    }
    let margin_of = |w: usize, label: usize| -> f32 {
        let own = dot(&ev.vectors[w], &cents[label]);
        let other = active
            .iter()
            .filter(|&&c| c != label)
            .map(|&c| dot(&ev.vectors[w], &cents[c]))
            .fold(f32::NEG_INFINITY, f32::max);
        own - other
    };
    turns
        .iter()
        .map(|(t, _)| {
            let inside: Vec<usize> = (0..ev.windows.len())
                .filter(|&w| t.span.contains(&ev.windows[w].centre()))
                .collect();
            let chosen = if inside.is_empty() {
                let mid = (t.span.start + t.span.end) / 2;
                (0..ev.windows.len())
                    .min_by_key(|&w| ev.windows[w].centre().abs_diff(mid))
                    .into_iter()
                    .collect()
            } else {
                inside
            };
            let m = chosen.iter().map(|&w| margin_of(w, t.label)).sum::<f32>()
                / chosen.len().max(1) as f32;
            1.0 / (1.0 + (-m / MARGIN_SCALE).exp())
        })
        .collect()
}
