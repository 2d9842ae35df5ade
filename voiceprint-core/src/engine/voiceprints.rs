use std::sync::Arc;

use rayon::prelude::*;

use super::binding::{check_store_binding, now_ms};
use crate::audio::{Audio, DecodeOptions};
use crate::embed::{AudioInput, Embedding, SpeakerEncoder};
use crate::store::{Match, Record, RecordMeta, Status, VectorStore};
use crate::vad::{SileroVad, VadOptions};
use crate::{Error, Result};

/// Settings of a [`Voiceprints`] engine.
#[derive(Debug, Clone, Default)]
pub struct VoiceprintsConfig {
    /// Accept/reject threshold on cosine score; `None` uses the encoder's default.
    pub threshold: Option<f32>,
    /// Limits on decoded input (bytes, duration).
    pub decode: DecodeOptions,
    /// When set, only the speech Silero VAD finds is embedded, and audio
    /// with less speech than the encoder's `min_seconds` is refused with
    /// [`Error::AudioTooShort`] (counting speech, not silence or noise).
    pub vad: Option<Arc<SileroVad>>,
    /// How the VAD segments speech.
    pub vad_options: VadOptions,
}

/// What [`Voiceprints::enroll`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrollOutcome {
    /// The speaker id.
    pub id: String,
    /// Utterances enrolled for this speaker so far, this call included.
    pub enrollment_count: u32,
    /// Whether the speaker existed before this call.
    pub updated: bool,
}

/// Result of [`Voiceprints::verify`].
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyOutcome {
    /// Cosine similarity between the claimed speaker's voiceprint and the audio.
    pub score: f32,
    /// The threshold the decision used.
    pub threshold: f32,
    /// `score >= threshold` and the voiceprint is active.
    pub accepted: bool,
    /// The voiceprint's status; a disabled voiceprint is never accepted.
    pub status: Status,
}

/// Result of [`Voiceprints::identify`].
#[derive(Debug, Clone, PartialEq)]
pub struct Identification {
    /// Up to `k` active speakers, best first, with their scores.
    pub matches: Vec<Match>,
    /// The best match when its score reaches the threshold; `None` means "unknown".
    pub best: Option<Match>,
    /// The threshold used.
    pub threshold: f32,
}

/// A speaker as [`Voiceprints::get`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerInfo {
    /// The speaker id.
    pub id: String,
    /// The voiceprint (unit vector).
    pub vector: Vec<f32>,
    /// Status, times, enrolment count, labels.
    pub meta: RecordMeta,
}

/// Speaker voiceprints: enrol, verify, identify, manage.
///
/// Binds a [`SpeakerEncoder`] to a [`VectorStore`] made for the same model.
/// `Send + Sync`: many threads can verify and identify while others enrol;
/// enrolments of the same speaker are serialised so none is lost.
///
/// ```no_run
/// use std::sync::Arc;
/// use voiceprint_core::{embed::OnnxSpeakerEncoder, runtime::RuntimeConfig,
///                       store::SqliteStore, Voiceprints, SpeakerEncoder};
/// let enc = Arc::new(OnnxSpeakerEncoder::from_preset(
///     "models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer", &RuntimeConfig::default())?);
/// let store = Arc::new(SqliteStore::create_or_open("speakers.db", enc.model_id(), enc.dim())?);
/// let vp = Voiceprints::new(enc, store)?;
/// vp.enroll("alice", &["alice-1.wav".into(), "alice-2.wav".into()])?;
/// let who = vp.identify("unknown.wav".into(), 3, None, None)?;
/// println!("{:?}", who.best);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub struct Voiceprints {
    encoder: Arc<dyn SpeakerEncoder>,
    store: Arc<dyn VectorStore>,
    config: VoiceprintsConfig,
}

impl std::fmt::Debug for Voiceprints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voiceprints")
            .field("model_id", &self.encoder.model_id())
            .field("speakers", &self.store.len())
            .field("config", &self.config)
            .finish()
    }
}

fn check_threshold(t: f32) -> Result<f32> {
    if t.is_finite() && (-1.0..=1.0).contains(&t) {
        Ok(t)
    } else {
        Err(Error::invalid_argument(
            "threshold",
            format!("{t} is not a cosine score in [-1, 1]"),
        ))
    }
}

impl Voiceprints {
    /// An engine with the default configuration.
    pub fn new(encoder: Arc<dyn SpeakerEncoder>, store: Arc<dyn VectorStore>) -> Result<Self> {
        Self::with_config(encoder, store, VoiceprintsConfig::default())
    }

    /// An engine with explicit settings. The store must be bound to the
    /// encoder's model id and dimension.
    pub fn with_config(
        encoder: Arc<dyn SpeakerEncoder>,
        store: Arc<dyn VectorStore>,
        config: VoiceprintsConfig,
    ) -> Result<Self> {
        check_store_binding(store.as_ref(), encoder.model_id(), encoder.dim())?;
        if let Some(t) = config.threshold {
            check_threshold(t)?;
        }
        Ok(Voiceprints {
            encoder,
            store,
            config,
        })
    }

    /// The encoder.
    pub fn encoder(&self) -> &Arc<dyn SpeakerEncoder> {
        &self.encoder
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn VectorStore> {
        &self.store
    }

    /// The threshold used when a call gives none.
    pub fn threshold(&self) -> f32 {
        self.config
            .threshold
            .unwrap_or_else(|| self.encoder.default_threshold())
    }

    /// Embeds one input with this engine's decode limits (and VAD, when set).
    pub fn embed(&self, input: AudioInput<'_>) -> Result<Embedding> {
        let audio = self.load(&input)?;
        self.encoder.embed_audio(&audio)
    }

    /// Embeds several inputs (decoding in parallel).
    pub fn embed_batch(&self, inputs: &[AudioInput<'_>]) -> Result<Vec<Embedding>> {
        let audios = inputs
            .par_iter()
            .map(|i| self.load(i))
            .collect::<Result<Vec<_>>>()?;
        self.encoder.embed_audio_batch(&audios)
    }

    /// Decodes an input and, with a VAD configured, keeps only its speech.
    fn load(&self, input: &AudioInput<'_>) -> Result<Audio> {
        let audio = input.decode(&self.config.decode)?;
        match &self.config.vad {
            Some(vad) => {
                vad.keep_speech(&audio, &self.config.vad_options, self.encoder.min_seconds())
            }
            None => Ok(audio.into_owned()),
        }
    }

    /// Enrols a speaker from one or more utterances.
    ///
    /// Each utterance is embedded; the voiceprint is the mean of the unit
    /// embeddings, renormalised. Enrolling an existing speaker again adds to
    /// the average, weighting the stored voiceprint by its enrolment count.
    pub fn enroll(&self, id: &str, utterances: &[AudioInput<'_>]) -> Result<EnrollOutcome> {
        if utterances.is_empty() {
            return Err(Error::EmptyInput {
                what: "utterance list",
            });
        }
        let embeddings = self.embed_batch(utterances)?;
        self.enroll_embeddings(id, &embeddings)
    }

    /// Enrols precomputed embeddings (from [`embed`](Self::embed) or another node).
    pub fn enroll_embeddings(&self, id: &str, embeddings: &[Embedding]) -> Result<EnrollOutcome> {
        if embeddings.is_empty() {
            return Err(Error::EmptyInput {
                what: "embedding list",
            });
        }
        for e in embeddings {
            self.check_embedding(e)?;
        }
        let added = u32::try_from(embeddings.len()).unwrap_or(u32::MAX);
        let model_id: Arc<str> = Arc::from(self.encoder.model_id());
        let mut updated = false;
        // One atomic read-modify-write in the store: two enrolments of the
        // same speaker, in this process or on another node sharing the
        // store, never average over the same old voiceprint.
        let written = self.store.update(id, &mut |existing| {
            let now = now_ms();
            let mut items: Vec<(&[f32], f32)> = embeddings
                .iter()
                .map(|e| (e.vector.as_slice(), 1.0))
                .collect();
            let meta = match &existing {
                Some(rec) => {
                    items.push((
                        rec.vector.as_slice(),
                        rec.meta.enrollment_count.max(1) as f32,
                    ));
                    let mut meta = rec.meta.clone();
                    meta.enrollment_count = meta.enrollment_count.saturating_add(added);
                    meta.updated_at_ms = now;
                    meta
                }
                None => RecordMeta {
                    status: Status::Active,
                    created_at_ms: now,
                    updated_at_ms: now,
                    enrollment_count: added,
                    labels: Default::default(),
                },
            };
            updated = existing.is_some();
            let mean = Embedding::mean(&items, model_id.clone())?;
            Ok(Record {
                id: id.to_string(),
                vector: mean.vector,
                meta,
            })
        })?;
        let count = written.meta.enrollment_count;
        Ok(EnrollOutcome {
            id: id.to_string(),
            enrollment_count: count,
            updated,
        })
    }

    /// Scores `audio` against speaker `id` and decides with `threshold`
    /// (or the engine's default).
    pub fn verify(
        &self,
        id: &str,
        audio: AudioInput<'_>,
        threshold: Option<f32>,
    ) -> Result<VerifyOutcome> {
        let threshold = check_threshold(threshold.unwrap_or_else(|| self.threshold()))?;
        // Look the speaker up first: an unknown id should not cost an inference.
        let rec = self.require(id)?;
        let emb = self.embed(audio)?;
        self.verify_record(&rec, &emb, threshold)
    }

    /// [`verify`](Self::verify) with a precomputed embedding.
    pub fn verify_embedding(
        &self,
        id: &str,
        embedding: &Embedding,
        threshold: Option<f32>,
    ) -> Result<VerifyOutcome> {
        let threshold = check_threshold(threshold.unwrap_or_else(|| self.threshold()))?;
        self.check_embedding(embedding)?;
        let rec = self.require(id)?;
        self.verify_record(&rec, embedding, threshold)
    }

    fn verify_record(
        &self,
        rec: &Record,
        emb: &Embedding,
        threshold: f32,
    ) -> Result<VerifyOutcome> {
        let score = crate::score::dot(&rec.vector, &emb.vector);
        Ok(VerifyOutcome {
            score,
            threshold,
            accepted: rec.meta.status == Status::Active && score >= threshold,
            status: rec.meta.status,
        })
    }

    /// Who is speaking: the top `k` active speakers (restricted to
    /// `candidates` when given), and the best one if it reaches the threshold.
    pub fn identify(
        &self,
        audio: AudioInput<'_>,
        k: usize,
        candidates: Option<&[&str]>,
        threshold: Option<f32>,
    ) -> Result<Identification> {
        let emb = self.embed(audio)?;
        self.identify_embedding(&emb, k, candidates, threshold)
    }

    /// [`identify`](Self::identify) with a precomputed embedding.
    pub fn identify_embedding(
        &self,
        embedding: &Embedding,
        k: usize,
        candidates: Option<&[&str]>,
        threshold: Option<f32>,
    ) -> Result<Identification> {
        let threshold = check_threshold(threshold.unwrap_or_else(|| self.threshold()))?;
        self.check_embedding(embedding)?;
        let matches = self.store.search(&embedding.vector, k, candidates)?;
        let best = matches.first().filter(|m| m.score >= threshold).cloned();
        Ok(Identification {
            matches,
            best,
            threshold,
        })
    }

    /// [`identify_embedding`](Self::identify_embedding) for many
    /// voiceprints at once: `vectors` holds `n` row-major voiceprints of the
    /// encoder's dimension, unit length as the encoder returns them (used
    /// as given, as `identify_embedding` uses its embedding), searched
    /// together through the store's batched kernel
    /// ([`VectorStore::search_batch`]): a nightly dedup of a catalogue, or
    /// a batch of calls, in one pass. Each result equals
    /// `identify_embedding` of that row.
    pub fn identify_vectors(
        &self,
        vectors: &[f32],
        k: usize,
        candidates: Option<&[&str]>,
        threshold: Option<f32>,
    ) -> Result<Vec<Identification>> {
        let threshold = check_threshold(threshold.unwrap_or_else(|| self.threshold()))?;
        crate::store::check_queries(vectors, self.encoder.dim())?;
        Ok(self
            .store
            .search_batch(vectors, k, candidates)?
            .into_iter()
            .map(|matches| {
                let best = matches.first().filter(|m| m.score >= threshold).cloned();
                Identification {
                    matches,
                    best,
                    threshold,
                }
            })
            .collect())
    }

    /// Removes a speaker; `true` when it existed.
    pub fn remove(&self, id: &str) -> Result<bool> {
        self.store.remove(id)
    }

    /// The speaker's voiceprint and metadata, or `None`.
    pub fn get(&self, id: &str) -> Result<Option<SpeakerInfo>> {
        Ok(self.store.get(id)?.map(|r| SpeakerInfo {
            id: r.id,
            vector: r.vector,
            meta: r.meta,
        }))
    }

    /// All speaker ids, sorted.
    pub fn list(&self) -> Result<Vec<String>> {
        self.store.list()
    }

    /// Enables or disables a voiceprint; a disabled one is never matched.
    pub fn set_status(&self, id: &str, status: Status) -> Result<()> {
        self.store.set_status(id, status)
    }

    /// Number of enrolled speakers (active and disabled).
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether no speaker is enrolled.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    fn require(&self, id: &str) -> Result<Record> {
        self.store
            .get(id)?
            .ok_or_else(|| Error::NotFound { id: id.to_string() })
    }

    fn check_embedding(&self, e: &Embedding) -> Result<()> {
        if &*e.model_id != self.encoder.model_id() {
            return Err(Error::ModelMismatch {
                store: self.encoder.model_id().to_string(),
                model: e.model_id.to_string(),
            });
        }
        if e.vector.len() != self.encoder.dim() {
            return Err(Error::DimensionMismatch {
                expected: self.encoder.dim(),
                actual: e.vector.len(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::Audio;
    use crate::store::MemoryStore;

    /// Maps a sine tone to a direction in 3-d by its zero-crossing rate, so
    /// tones of close frequencies score high and distant ones low.
    struct ToneEncoder;

    impl SpeakerEncoder for ToneEncoder {
        fn model_id(&self) -> &str {
            "tone"
        }
        fn dim(&self) -> usize {
            3
        }
        fn sample_rate(&self) -> u32 {
            16000
        }
        fn default_threshold(&self) -> f32 {
            0.9
        }
        fn min_seconds(&self) -> f32 {
            0.1
        }
        fn embed_audio(&self, audio: &Audio) -> Result<Embedding> {
            let s = audio.samples();
            let crossings = s
                .windows(2)
                .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
                .count();
            let hz = crossings as f32 / 2.0 / audio.duration_secs();
            let theta = hz / 1000.0;
            Embedding::from_raw(vec![theta.cos(), theta.sin(), 0.1], Arc::from("tone"))
        }
    }

    fn tone(hz: f32) -> Vec<f32> {
        (0..16000)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / 16000.0 + 0.1).sin() * 0.5)
            .collect()
    }

    fn engine() -> Voiceprints {
        let store = Arc::new(MemoryStore::new("tone", 3).unwrap());
        Voiceprints::new(Arc::new(ToneEncoder), store).unwrap()
    }

    fn pcm(s: &[f32]) -> AudioInput<'_> {
        AudioInput::PcmF32 {
            samples: s,
            sample_rate: 16000,
        }
    }

    #[test]
    fn enroll_verify_identify_round_trip() {
        let vp = engine();
        let (a, b, c) = (tone(200.0), tone(1500.0), tone(3000.0));
        assert!(!vp.enroll("alice", &[pcm(&a)]).unwrap().updated);
        vp.enroll("bob", &[pcm(&b)]).unwrap();
        vp.enroll("carol", &[pcm(&c)]).unwrap();
        assert_eq!(vp.len(), 3);
        assert_eq!(vp.list().unwrap(), vec!["alice", "bob", "carol"]);

        let a2 = tone(210.0);
        let v = vp.verify("alice", pcm(&a2), None).unwrap();
        assert!(v.accepted && v.score > 0.99, "{v:?}");
        let v = vp.verify("carol", pcm(&a2), None).unwrap();
        assert!(!v.accepted, "{v:?}");
        // A per-call threshold overrides the default.
        assert!(vp.verify("carol", pcm(&a2), Some(-1.0)).unwrap().accepted);

        let who = vp.identify(pcm(&a2), 2, None, None).unwrap();
        assert_eq!(who.best.as_ref().unwrap().id, "alice");
        assert_eq!(who.matches.len(), 2);
        // Candidates restrict the search: alice is not among them.
        let who = vp
            .identify(pcm(&a2), 3, Some(&["bob", "carol"]), None)
            .unwrap();
        assert!(who.matches.iter().all(|m| m.id != "alice"));
        assert!(who.best.is_none(), "below threshold means unknown: {who:?}");
    }

    #[test]
    fn disabled_speaker_is_never_matched_or_accepted() {
        let vp = engine();
        let a = tone(200.0);
        vp.enroll("alice", &[pcm(&a)]).unwrap();
        vp.set_status("alice", Status::Disabled).unwrap();
        let v = vp.verify("alice", pcm(&a), None).unwrap();
        assert!(!v.accepted && v.score > 0.99);
        assert!(vp
            .identify(pcm(&a), 1, None, None)
            .unwrap()
            .matches
            .is_empty());
        vp.set_status("alice", Status::Active).unwrap();
        assert!(vp.verify("alice", pcm(&a), None).unwrap().accepted);
    }

    #[test]
    fn re_enrolment_averages_and_counts() {
        let vp = engine();
        let (a, b) = (tone(200.0), tone(1200.0));
        vp.enroll("x", &[pcm(&a)]).unwrap();
        let out = vp.enroll("x", &[pcm(&b), pcm(&b)]).unwrap();
        assert!(out.updated);
        assert_eq!(out.enrollment_count, 3);
        let info = vp.get("x").unwrap().unwrap();
        let ea = vp.embed(pcm(&a)).unwrap();
        let eb = vp.embed(pcm(&b)).unwrap();
        // The average leans to b (weight 2 against 1) but stays between them.
        let sa = crate::score::dot(&info.vector, &ea.vector);
        let sb = crate::score::dot(&info.vector, &eb.vector);
        assert!(sb > sa && sa > crate::score::dot(&ea.vector, &eb.vector));
        let norm: f32 = info.vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }

    #[test]
    fn bad_calls_return_typed_errors() {
        let vp = engine();
        let a = tone(200.0);
        assert!(matches!(vp.enroll("x", &[]), Err(Error::EmptyInput { .. })));
        assert!(matches!(
            vp.verify("ghost", pcm(&a), None),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            vp.set_status("ghost", Status::Disabled),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            vp.verify("ghost", pcm(&a), Some(f32::NAN)),
            Err(Error::InvalidArgument { .. })
        ));
        vp.enroll("x", &[pcm(&a)]).unwrap();
        assert!(matches!(
            vp.identify(pcm(&a), 0, None, None),
            Err(Error::InvalidArgument { .. })
        ));
        let foreign = Embedding::from_raw(vec![1.0, 0.0, 0.0], Arc::from("other")).unwrap();
        assert!(matches!(
            vp.identify_embedding(&foreign, 1, None, None),
            Err(Error::ModelMismatch { .. })
        ));
        let bad = [f32::NAN; 100];
        assert!(vp.enroll("y", &[pcm(&bad)]).is_err());
        assert!(!vp.remove("ghost").unwrap());
        assert!(vp.remove("x").unwrap());
    }

    #[test]
    fn store_of_another_model_is_refused() {
        let store = Arc::new(MemoryStore::new("other-model", 3).unwrap());
        let err = Voiceprints::new(Arc::new(ToneEncoder), store).unwrap_err();
        assert!(matches!(err, Error::ModelMismatch { .. }));
        let store = Arc::new(MemoryStore::new("tone", 4).unwrap());
        assert!(matches!(
            Voiceprints::new(Arc::new(ToneEncoder), store),
            Err(Error::DimensionMismatch { .. })
        ));
    }

    #[test]
    fn threads_identify_while_one_enrols() {
        let vp = engine();
        let tones: Vec<Vec<f32>> = (0..8).map(|i| tone(200.0 + 300.0 * i as f32)).collect();
        vp.enroll("s0", &[pcm(&tones[0])]).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                for (i, t) in tones.iter().enumerate().skip(1) {
                    vp.enroll(&format!("s{i}"), &[pcm(t)]).unwrap();
                }
            });
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let who = vp.identify(pcm(&tones[0]), 1, None, None).unwrap();
                        assert_eq!(who.best.unwrap().id, "s0");
                    }
                });
            }
        });
        assert_eq!(vp.len(), 8);
    }
}
