//! What a diarization produces: timed segments with a speaker each, and a
//! summary per speaker.

use serde::{Deserialize, Serialize};

use crate::gender::Gender;

/// One stretch of speech attributed to one speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, in seconds from the beginning of the audio.
    pub start: f64,
    /// End, in seconds (`end > start`).
    pub end: f64,
    /// The speaker's label (`SPEAKER_00`, ...), or the known voice's id when
    /// the cluster was matched to one.
    pub speaker: String,
    /// How sure the assignment is, in `[0, 1]`: the margin of this speaker's
    /// similarity over the next best, mapped to a probability.
    pub confidence: f32,
    /// In subtitle mode, the 1-based index of the subtitle line (as in the
    /// SRT file) this segment is; `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle_index: Option<u32>,
}

impl Segment {
    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }
}

/// A cluster matched to a voice enrolled in a [`Voiceprints`](crate::Voiceprints) engine or store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownVoice {
    /// The enrolled speaker's id.
    pub id: String,
    /// Cosine similarity of the cluster's centroid to that voiceprint.
    pub score: f32,
}

/// One speaker of a diarization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Speaker {
    /// The label segments use: `SPEAKER_00`, ... in order of first speech,
    /// or the known voice's id.
    pub label: String,
    /// Seconds of speech attributed to this speaker.
    pub speech_seconds: f64,
    /// Number of turns (maximal runs of this speaker's segments, ignoring
    /// silence between them).
    pub turns: u32,
    /// The speaker's voiceprint: mean of its window embeddings, unit length.
    pub centroid: Vec<f32>,
    /// Gender, when a gender classifier was configured.
    pub gender: Option<Gender>,
    /// P(female) from the classifier, when one was configured.
    pub female_probability: Option<f32>,
    /// Median fundamental frequency of the speaker's voiced frames, Hz.
    pub median_f0_hz: Option<f32>,
    /// The known voice this cluster was matched to; `None` is "unknown".
    pub known: Option<KnownVoice>,
    /// The best-scoring known voice even when below the threshold (for
    /// review), `None` when no known voices were given.
    pub best_candidate: Option<KnownVoice>,
}

/// The result of [`Diarizer::run`](crate::Diarizer::run): who spoke when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diarization {
    /// Length of the audio, seconds.
    pub duration: f64,
    /// Seconds the voice activity detector found to be speech.
    pub speech_seconds: f64,
    /// Segments in time order (overlapping segments of two speakers are possible).
    pub segments: Vec<Segment>,
    /// Speakers, in order of first speech.
    pub speakers: Vec<Speaker>,
    /// The model id of the centroids.
    pub model_id: String,
}

impl Diarization {
    /// Whether any speech was found; silence-only audio gives an empty result.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The number of speakers found.
    pub fn num_speakers(&self) -> usize {
        self.speakers.len()
    }

    /// The speaker with this label.
    pub fn speaker(&self, label: &str) -> Option<&Speaker> {
        self.speakers.iter().find(|s| s.label == label)
    }
}
