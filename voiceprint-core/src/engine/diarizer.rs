//! The `Diarizer` engine: who spoke when.
//!
//! Silero VAD finds the speech; speech regions are cut into windows (never
//! across a pause), embedded in batches and clustered; each stretch of
//! speech then takes the label of its nearest window, a speaker's pauses are
//! bridged, and turn edges are refined at 10 ms. Clusters are summarised
//! (speech time, turns, centroid, gender, median F0) and matched one to one
//! to known voices.

use std::ops::Range;
use std::sync::Arc;

use super::diarizer_config::{DiarizeOptions, DiarizerConfig};
use super::diarizer_speakers::{describe_speakers, Described, SpeakerEvidence};
use crate::audio::Audio;
use crate::cluster::{cluster, reassign_to_centroids, ClusterOptions};
use crate::diarization::{
    bridge_gaps, extend_to_floor, frame_energies_db, noise_floor_db, plan_windows,
    turns_from_windows, Diarization, Segment, Subtitle, Turn, Window,
};
use crate::embed::{AudioInput, Embedding, SpeakerEncoder};
use crate::engine::{EnrollOutcome, Voiceprints};
use crate::gender::GenderClassifier;
use crate::vad::{speech_segments, SileroVad};
use crate::{Error, Result};

/// The diarizer's working rate: Silero VAD's, and every shipped speaker model's.
const SAMPLE_RATE: u32 = 16_000;
/// Silero VAD frame (32 ms at 16 kHz).
const VAD_FRAME: usize = 512;
/// Boundaries are placed on a 10 ms grid.
const FRAME: usize = 160;
/// Windows embedded per model run, and per progress report.
const BATCH: usize = 64;
/// A subtitle line may end this much after the audio (rounding in subtitle
/// tools) before it is an error.
const SUBTITLE_SLACK_SECONDS: f64 = 0.5;

/// Who spoke when: diarizes audio of any length, with or without subtitles,
/// and names the speakers it knows.
///
/// `Send + Sync`; one instance can serve many threads. Cloning is cheap
/// (the models are shared): bindings change a copy with `with_known` /
/// `with_gender` and keep the original when that fails.
///
/// ```no_run
/// use std::sync::Arc;
/// use voiceprint_core::{Diarizer, DiarizeOptions, OnnxSpeakerEncoder, RuntimeConfig};
/// use voiceprint_core::vad::SileroVad;
/// let rt = RuntimeConfig::default();
/// let enc = Arc::new(OnnxSpeakerEncoder::from_preset("models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer", &rt)?);
/// let vad = Arc::new(SileroVad::load("models/silero_vad.onnx", &rt)?);
/// let diarizer = Diarizer::new(enc, vad)?;
/// let result = diarizer.run("meeting.wav".into(), &DiarizeOptions::default())?;
/// for s in &result.segments {
///     println!("{:7.2} {:7.2} {}", s.start, s.end, s.speaker);
/// }
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Diarizer {
    encoder: Arc<dyn SpeakerEncoder>,
    vad: Arc<SileroVad>,
    config: DiarizerConfig,
    known: Option<Arc<Voiceprints>>,
    gender: Option<GenderClassifier>,
}

impl std::fmt::Debug for Diarizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diarizer")
            .field("model_id", &self.encoder.model_id())
            .field("config", &self.config)
            .field("known", &self.known.as_ref().map(|k| k.len()))
            .field("gender", &self.gender.is_some())
            .finish()
    }
}

/// The clustered speech of one run: embedded windows, their labels and
/// weights (seconds of speech), and the turns at 10 ms.
type SpeechTurns = (Embedded, Vec<usize>, Vec<f32>, Vec<Turn>);

/// Embedded windows of one run: where they are, their vectors, their weights.
struct Embedded {
    windows: Vec<Window>,
    vectors: Vec<Vec<f32>>,
}

impl Diarizer {
    /// A diarizer with the default configuration and, when the library
    /// ships one for the encoder's model, its gender classifier.
    pub fn new(encoder: Arc<dyn SpeakerEncoder>, vad: Arc<SileroVad>) -> Result<Self> {
        Self::with_config(encoder, vad, DiarizerConfig::default())
    }

    /// A diarizer with explicit settings.
    pub fn with_config(
        encoder: Arc<dyn SpeakerEncoder>,
        vad: Arc<SileroVad>,
        config: DiarizerConfig,
    ) -> Result<Self> {
        config.validate()?;
        if encoder.sample_rate() != SAMPLE_RATE {
            return Err(Error::InvalidModelSpec {
                detail: format!(
                    "the diarizer works at {SAMPLE_RATE} Hz (Silero VAD's rate); this speaker model \
                     takes {} Hz",
                    encoder.sample_rate()
                ),
            });
        }
        let gender = GenderClassifier::builtin(encoder.model_id());
        Ok(Diarizer {
            encoder,
            vad,
            config,
            known: None,
            gender,
        })
    }

    /// Matches clusters to the voices enrolled in `known` (one to one,
    /// above `known`'s threshold or [`DiarizerConfig::known_threshold`]).
    /// The engine must use the same speaker model.
    pub fn with_known(mut self, known: Arc<Voiceprints>) -> Result<Self> {
        if known.encoder().model_id() != self.encoder.model_id() {
            return Err(Error::ModelMismatch {
                store: known.encoder().model_id().to_string(),
                model: self.encoder.model_id().to_string(),
            });
        }
        self.known = Some(known);
        Ok(self)
    }

    /// Uses `classifier` for gender (replacing the built-in one); `None`
    /// turns gender off. The classifier must be bound to the encoder's model.
    pub fn with_gender(mut self, classifier: Option<GenderClassifier>) -> Result<Self> {
        if let Some(c) = &classifier {
            if c.model_id() != self.encoder.model_id() {
                return Err(Error::ModelMismatch {
                    store: c.model_id().to_string(),
                    model: self.encoder.model_id().to_string(),
                });
            }
        }
        self.gender = classifier;
        Ok(self)
    }

    /// The settings.
    pub fn config(&self) -> &DiarizerConfig {
        &self.config
    }

    /// The known-voices engine, if any.
    pub fn known(&self) -> Option<&Arc<Voiceprints>> {
        self.known.as_ref()
    }

    /// The speaker encoder.
    pub fn encoder(&self) -> &Arc<dyn SpeakerEncoder> {
        &self.encoder
    }

    /// Diarizes `input`.
    ///
    /// With `options.subtitles`, each line becomes one segment with the
    /// speaker of its voice (lines without speech are left out); otherwise
    /// the segments are found from the speech itself. Silence-only audio
    /// gives an empty result ([`Diarization::is_empty`]).
    ///
    /// Errors: decoding errors; [`Error::InvalidArgument`] for speaker
    /// counts that are zero, contradict each other or exceed the number of
    /// speech segments, and for subtitle lines past the end of the audio;
    /// [`Error::Cancelled`] when the progress callback asks to stop.
    pub fn run(&self, input: AudioInput<'_>, options: &DiarizeOptions<'_>) -> Result<Diarization> {
        options.count.validate()?;
        let progress = |fraction: f32| -> Result<()> {
            match options.progress {
                Some(p) if !p(fraction.clamp(0.0, 1.0)) => Err(Error::Cancelled),
                _ => Ok(()),
            }
        };
        progress(0.0)?;
        let decoded = input.decode(&self.config.decode)?;
        let audio = decoded.resample(SAMPLE_RATE)?;
        drop(decoded);
        let samples = audio.samples();
        let duration = samples.len() as f64 / f64::from(SAMPLE_RATE);
        if let Some(subs) = options.subtitles {
            check_subtitles(subs, duration)?;
        }
        progress(0.02)?;

        let probs = self.vad.probabilities(&audio)?;
        let speech: Vec<Range<usize>> = speech_segments(
            &probs,
            VAD_FRAME,
            SAMPLE_RATE,
            samples.len(),
            &self.config.vad,
        )
        .into_iter()
        .map(|s| s.start.min(samples.len())..s.end.min(samples.len()))
        .filter(|r| !r.is_empty())
        .collect();
        let speech_seconds = speech.iter().map(|r| r.len()).sum::<usize>() as f64 / 16_000.0;
        progress(0.15)?;

        let result = match options.subtitles {
            Some(subs) => self.run_subtitles(&audio, &speech, subs, options, &progress)?,
            None => self.run_speech(&audio, &speech, options, &progress)?,
        };
        progress(1.0)?;
        Ok(Diarization {
            duration,
            speech_seconds,
            model_id: self.encoder.model_id().to_string(),
            ..result
        })
    }

    /// Names a speaker of `result` as a new known voice: enrols its
    /// centroid in the known-voices engine under `id`.
    ///
    /// Errors: [`Error::InvalidArgument`] when no known-voices engine is
    /// set, [`Error::NotFound`] for a label not in `result`, and the
    /// engine's errors (invalid id, another model).
    pub fn enroll_cluster(
        &self,
        result: &Diarization,
        label: &str,
        id: &str,
    ) -> Result<EnrollOutcome> {
        let known = self.known.as_ref().ok_or_else(|| {
            Error::invalid_argument(
                "known",
                "this diarizer has no known-voices engine to enrol into; build it with with_known",
            )
        })?;
        let speaker = result.speaker(label).ok_or_else(|| Error::NotFound {
            id: label.to_string(),
        })?;
        let emb = Embedding::from_raw(
            speaker.centroid.clone(),
            Arc::from(result.model_id.as_str()),
        )?;
        known.enroll_embeddings(id, &[emb])
    }

    /// Windows, embeddings, clusters and 10 ms turns of the speech; `None`
    /// when there is nothing to embed.
    fn speech_turns(
        &self,
        audio: &Audio,
        speech: &[Range<usize>],
        options: &DiarizeOptions<'_>,
        progress: &dyn Fn(f32) -> Result<()>,
    ) -> Result<Option<SpeechTurns>> {
        let samples = audio.samples();
        let cfg = &self.config;
        let length = seconds_to_samples(cfg.window_seconds);
        let hop = seconds_to_samples(cfg.hop_seconds);
        let min_span = seconds_to_samples(self.encoder.min_seconds()) + FRAME;
        let windows = plan_windows(speech, samples.len(), length, hop, min_span);
        if windows.is_empty() {
            return Ok(None);
        }
        let emb = self.embed_windows(audio, windows, progress)?;
        let weights: Vec<f32> = emb
            .windows
            .iter()
            .map(|w| w.core.len() as f32 / SAMPLE_RATE as f32)
            .collect();
        let rows: Vec<&[f32]> = emb.vectors.iter().map(Vec::as_slice).collect();
        let cluster_options = self.cluster_options(options);
        let clustering = cluster(&rows, Some(&weights), &cluster_options)?;
        let (lo, hi) = cluster_options.count.range(rows.len())?;
        let refined = reassign_to_centroids(&rows, &clustering.labels, Some(&weights))?;
        let refined_count = refined.iter().max().map_or(0, |m| m + 1);
        // The reassignment may empty a cluster; an asked-for count wins.
        let labels = if (lo..=hi).contains(&refined_count) {
            refined
        } else {
            clustering.labels
        };
        progress(0.9)?;

        let turns = turns_from_windows(speech, &emb.windows, &labels, FRAME);
        let turns = bridge_gaps(turns, seconds_to_samples(cfg.bridge_seconds));
        let turns = match cfg.extend_margin_db {
            Some(margin) => {
                let energies = frame_energies_db(samples, FRAME);
                match noise_floor_db(&energies, cfg.noise_floor_percentile) {
                    Some(floor) => extend_to_floor(
                        turns,
                        &energies,
                        FRAME,
                        floor + margin,
                        seconds_to_samples(cfg.max_extend_seconds),
                        samples.len(),
                    ),
                    None => turns,
                }
            }
            None => turns,
        };
        Ok(Some((emb, labels, weights, turns)))
    }

    fn run_speech(
        &self,
        audio: &Audio,
        speech: &[Range<usize>],
        options: &DiarizeOptions<'_>,
        progress: &dyn Fn(f32) -> Result<()>,
    ) -> Result<Diarization> {
        let Some((emb, labels, weights, turns)) =
            self.speech_turns(audio, speech, options, progress)?
        else {
            return Ok(empty());
        };
        let turns: Vec<(Turn, Option<u32>)> = turns.into_iter().map(|t| (t, None)).collect();
        self.finish(audio, &emb, &labels, &weights, turns)
    }

    /// Subtitle mode: the speech is diarized as without subtitles, then
    /// each line takes the speaker who talks most inside it. A line
    /// without speech (music, silence) gets no segment.
    fn run_subtitles(
        &self,
        audio: &Audio,
        speech: &[Range<usize>],
        subs: &[Subtitle],
        options: &DiarizeOptions<'_>,
        progress: &dyn Fn(f32) -> Result<()>,
    ) -> Result<Diarization> {
        let n = audio.samples().len();
        let Some((emb, labels, weights, turns)) =
            self.speech_turns(audio, speech, options, progress)?
        else {
            return Ok(empty());
        };
        let k = labels.iter().max().map_or(0, |m| m + 1);
        let mut lines = Vec::new();
        for s in subs {
            let a = seconds_to_samples_f64(s.start).min(n);
            let b = seconds_to_samples_f64(s.end).min(n);
            let voiced: usize = speech
                .iter()
                .map(|r| r.end.min(b).saturating_sub(r.start.max(a)))
                .sum();
            if b <= a || voiced == 0 {
                continue;
            }
            let mut talk = vec![0usize; k];
            for t in &turns {
                talk[t.label] += t.span.end.min(b).saturating_sub(t.span.start.max(a));
            }
            // Speech the turns do not cover (a line of only a short blip)
            // goes to the speaker of the nearest turn.
            let label = match talk.iter().enumerate().max_by_key(|(_, &v)| v) {
                Some((l, &v)) if v > 0 => l,
                _ => nearest_turn_label(&turns, (a + b) / 2),
            };
            lines.push((Turn { span: a..b, label }, Some(s.index)));
        }
        if lines.is_empty() {
            return Ok(empty());
        }
        self.finish(audio, &emb, &labels, &weights, lines)
    }

    fn cluster_options(&self, options: &DiarizeOptions<'_>) -> ClusterOptions {
        ClusterOptions {
            count: options.count,
            ..self.config.cluster
        }
    }

    /// Embeds the windows in batches, reporting progress from 0.15 to 0.85.
    fn embed_windows(
        &self,
        audio: &Audio,
        windows: Vec<Window>,
        progress: &dyn Fn(f32) -> Result<()>,
    ) -> Result<Embedded> {
        let samples = audio.samples();
        let mut vectors = Vec::with_capacity(windows.len());
        let total = windows.len().max(1);
        for (b, chunk) in windows.chunks(BATCH).enumerate() {
            let audios = chunk
                .iter()
                .map(|w| Audio::from_mono(samples[w.span.clone()].to_vec(), SAMPLE_RATE))
                .collect::<Result<Vec<_>>>()?;
            for e in self.encoder.embed_audio_batch(&audios)? {
                vectors.push(e.vector);
            }
            progress(0.15 + 0.7 * ((b + 1) * BATCH).min(total) as f32 / total as f32)?;
        }
        Ok(Embedded { windows, vectors })
    }

    /// Summarises speakers, matches known voices and builds the segments.
    fn finish(
        &self,
        audio: &Audio,
        emb: &Embedded,
        labels: &[usize],
        weights: &[f32],
        turns: Vec<(Turn, Option<u32>)>,
    ) -> Result<Diarization> {
        let evidence = &SpeakerEvidence {
            audio,
            windows: &emb.windows,
            vectors: &emb.vectors,
            labels,
            weights,
        };
        let Described {
            speakers,
            names,
            confidences,
        } = describe_speakers(
            evidence,
            &turns,
            self.encoder.as_ref(),
            self.known.as_deref(),
            self.config.known_threshold,
            self.gender.as_ref(),
            &self.config,
        )?;
        let mut segments: Vec<Segment> = turns
            .iter()
            .zip(confidences)
            .map(|((t, index), confidence)| Segment {
                start: t.span.start as f64 / f64::from(SAMPLE_RATE),
                end: t.span.end as f64 / f64::from(SAMPLE_RATE),
                speaker: names[t.label].clone(),
                confidence,
                subtitle_index: *index,
            })
            .collect();
        segments.sort_by(|a, b| a.start.total_cmp(&b.start));
        Ok(Diarization {
            duration: 0.0,
            speech_seconds: 0.0,
            segments,
            speakers,
            model_id: String::new(),
        })
    }
}

fn empty() -> Diarization {
    Diarization {
        duration: 0.0,
        speech_seconds: 0.0,
        segments: Vec::new(),
        speakers: Vec::new(),
        model_id: String::new(),
    }
}

fn check_subtitles(subs: &[Subtitle], duration: f64) -> Result<()> {
    for s in subs {
        if !(s.start.is_finite() && s.end.is_finite() && s.start >= 0.0 && s.end >= s.start) {
            return Err(Error::invalid_argument(
                "subtitles",
                format!(
                    "line {} runs from {} s to {} s; times must be finite, not negative, and end \
                     at or after the start",
                    s.index, s.start, s.end
                ),
            ));
        }
        if s.end > duration + SUBTITLE_SLACK_SECONDS {
            return Err(Error::invalid_argument(
                "subtitles",
                format!(
                    "line {} ends at {:.3} s, after the end of the audio ({duration:.3} s); are \
                     these the subtitles of this audio?",
                    s.index, s.end
                ),
            ));
        }
    }
    Ok(())
}

/// Label of the turn closest to sample `at`.
fn nearest_turn_label(turns: &[Turn], at: usize) -> usize {
    turns
        .iter()
        .min_by_key(|t| {
            if t.span.contains(&at) {
                0
            } else {
                t.span.start.abs_diff(at).min(t.span.end.abs_diff(at))
            }
        })
        .map_or(0, |t| t.label)
}

fn seconds_to_samples(s: f32) -> usize {
    (f64::from(s.max(0.0)) * f64::from(SAMPLE_RATE)).round() as usize
}

fn seconds_to_samples_f64(s: f64) -> usize {
    (s.max(0.0) * f64::from(SAMPLE_RATE)).round() as usize
}
