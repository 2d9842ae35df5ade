//! Settings of the [`Diarizer`](super::Diarizer) and of one run.

use crate::audio::DecodeOptions;
use crate::cluster::{ClusterOptions, SpeakerCount};
use crate::diarization::Subtitle;
use crate::vad::VadOptions;
use crate::{Error, Result};

/// How a [`Diarizer`](super::Diarizer) works. The defaults were chosen on
/// the dev conversations (`../shared/data/conversations-dev`) with the GE2E
/// model; see the README's diarization figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DiarizerConfig {
    /// How Silero VAD's probabilities become speech regions. Silero's own
    /// segmentation (a 100 ms pause splits): windows must not straddle a
    /// change of speaker, and speakers change at pauses.
    pub vad: VadOptions,
    /// Length of the windows embedded inside speech regions, seconds.
    pub window_seconds: f32,
    /// Step between windows, seconds.
    pub hop_seconds: f32,
    /// Clustering of the window voiceprints (method, threshold).
    pub cluster: ClusterOptions,
    /// Pauses up to this long between two stretches of the same speaker
    /// belong to their turn, seconds.
    pub bridge_seconds: f32,
    /// Turn edges move outwards over frames this many dB above the
    /// recording's noise floor (room tone, breaths, soft onsets the VAD
    /// cuts); `None` keeps the VAD's edges.
    pub extend_margin_db: Option<f32>,
    /// Longest such move, seconds.
    pub max_extend_seconds: f32,
    /// The noise floor is this percentile (0-100) of the 10 ms frame energies.
    pub noise_floor_percentile: f32,
    /// Cosine score a cluster's voiceprint needs to be a known voice; `None`
    /// uses the known-voices engine's threshold less 0.03 (conversational
    /// speech scores a little lower against clean enrolments).
    pub known_threshold: Option<f32>,
    /// Seconds of each speaker's speech its voiceprint (the centroid
    /// reported, matched to known voices and classified for gender) and its
    /// pitch are computed from, longest stretches first.
    pub speaker_seconds: f32,
    /// Limits on the decoded input.
    pub decode: DecodeOptions,
}

impl Default for DiarizerConfig {
    fn default() -> Self {
        DiarizerConfig {
            vad: VadOptions::silero(),
            window_seconds: 1.2,
            hop_seconds: 0.6,
            cluster: ClusterOptions {
                threshold: 0.62,
                ..ClusterOptions::default()
            },
            bridge_seconds: 4.0,
            extend_margin_db: Some(1.0),
            max_extend_seconds: 2.0,
            noise_floor_percentile: 10.0,
            known_threshold: None,
            speaker_seconds: 30.0,
            decode: DecodeOptions::default(),
        }
    }
}

impl DiarizerConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        self.cluster.validate()?;
        let positive = [
            ("window_seconds", self.window_seconds),
            ("hop_seconds", self.hop_seconds),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0 && v <= 60.0) {
                return Err(Error::invalid_argument(
                    name,
                    format!("{v} is not a number of seconds in (0, 60]"),
                ));
            }
        }
        let non_negative = [
            ("bridge_seconds", self.bridge_seconds),
            ("max_extend_seconds", self.max_extend_seconds),
            ("speaker_seconds", self.speaker_seconds),
        ];
        for (name, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid_argument(
                    name,
                    format!("{v} is not a number of seconds >= 0"),
                ));
            }
        }
        if let Some(m) = self.extend_margin_db {
            if !m.is_finite() {
                return Err(Error::invalid_argument(
                    "extend_margin_db",
                    "must be a finite number of dB",
                ));
            }
        }
        if !(0.0..=100.0).contains(&self.noise_floor_percentile) {
            return Err(Error::invalid_argument(
                "noise_floor_percentile",
                format!("{} is outside 0-100", self.noise_floor_percentile),
            ));
        }
        if let Some(t) = self.known_threshold {
            if !(t.is_finite() && (-1.0..=1.0).contains(&t)) {
                return Err(Error::invalid_argument(
                    "known_threshold",
                    format!("{t} is not a cosine score in [-1, 1]"),
                ));
            }
        }
        Ok(())
    }
}

/// A progress callback: called with the fraction done (0 to 1); return
/// `false` to cancel the run ([`Error::Cancelled`](crate::Error::Cancelled)).
pub type Progress<'a> = &'a (dyn Fn(f32) -> bool + Sync);

/// What one [`Diarizer::run`](super::Diarizer::run) is asked.
#[derive(Clone, Copy, Default)]
pub struct DiarizeOptions<'a> {
    /// Speaker count: exact, or bounds.
    pub count: SpeakerCount,
    /// Subtitle lines: each becomes a segment with a speaker.
    pub subtitles: Option<&'a [Subtitle]>,
    /// Progress reports and cancellation.
    pub progress: Option<Progress<'a>>,
}

impl std::fmt::Debug for DiarizeOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiarizeOptions")
            .field("count", &self.count)
            .field("subtitles", &self.subtitles.map(<[Subtitle]>::len))
            .field("progress", &self.progress.is_some())
            .finish()
    }
}
