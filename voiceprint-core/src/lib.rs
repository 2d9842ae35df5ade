//! voiceprint-core: speaker voiceprints and image feature vectors, in process.
//!
//! Audio in, L2-normalised embeddings out; a durable vector store; scoring.
//! Modules follow the data flow of the design, top to bottom:
//!
//! | layer | modules |
//! | --- | --- |
//! | input | [`audio`] (decode, downmix, resample), [`image`] (decode, raw pixels, limits) |
//! | front ends | [`features`] (Kaldi fbank, GE2E mel, image preprocessing), [`vad`] (Silero) |
//! | runtime | [`runtime`] (ONNX Runtime, loaded dynamically) |
//! | extractors | [`embed`] (`SpeakerEncoder`, `ModelSpec`, presets; `ImageEncoder`, `ImageModelSpec`) |
//! | store | [`store`] (`MemoryStore`, `SqliteStore`) |
//! | scoring | [`score`] (cosine, EER, threshold at FAR, AS-norm, assignment), [`cluster`] (agglomerative, spectral), [`gender`] |
//! | engines | [`engine`] (`Voiceprints`, `Diarizer`, `ImageIndex`, `StyleMatcher`, `StyleIndex`); [`diarization`] (results, RTTM, SRT, DER) |
//! | style | [`style`] (EBU R128 loudness, true peak, spectra, comparison) |
//!
//! ```no_run
//! use std::sync::Arc;
//! use voiceprint_core::{MemoryStore, OnnxSpeakerEncoder, RuntimeConfig, SpeakerEncoder, Voiceprints};
//!
//! let enc = Arc::new(OnnxSpeakerEncoder::from_preset(
//!     "models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer", &RuntimeConfig::default())?);
//! let store = Arc::new(MemoryStore::new(enc.model_id(), enc.dim())?);
//! let vp = Voiceprints::new(enc, store)?;
//! vp.enroll("alice", &["alice.wav".into()])?;
//! let v = vp.verify("alice", "who-is-this.mp3".into(), None)?;
//! println!("score {:.3}, accepted: {}", v.score, v.accepted);
//! # Ok::<(), voiceprint_core::Error>(())
//! ```

pub mod audio;
pub mod cluster;
pub mod diarization;
pub mod embed;
pub mod engine;
pub mod error;
pub mod features;
pub mod gender;
pub mod image;
pub mod runtime;
pub mod score;
pub mod store;
pub mod style;
pub mod vad;

pub use audio::{Audio, DecodeOptions};
pub use diarization::{
    corpus_der, diarization_error_rate, parse_rttm, parse_srt, read_rttm, read_srt,
    subtitles_from_spans, DerComponents, DerReport, Diarization, KnownVoice, RttmTurn, Segment,
    Speaker, Subtitle,
};
pub use embed::{
    AudioInput, Embedding, ImageEncoder, ImageModelSpec, ModelSpec, OnnxImageEncoder,
    OnnxSpeakerEncoder, SpeakerEncoder,
};
pub use engine::{
    DiarizeOptions, Diarizer, DiarizerConfig, EnrollOutcome, Identification, ImageIndex,
    ImageRecord, SpeakerInfo, StyleIndex, StyleInput, StyleMatch, StyleMatcher, VerifyOutcome,
    Voiceprints, VoiceprintsConfig,
};
pub use error::{Error, ErrorKind, Result};
pub use gender::{Gender, GenderClassifier, GenderPrediction, GenderTrainOptions};
pub use image::{ImageInput, ImageLimits, RgbImage};
pub use runtime::{ExecutionProvider, RuntimeConfig};
pub use store::{
    HnswOptions, HnswQuantization, HnswState, IndexOptions, Match, MemoryStore, Record, RecordMeta,
    SqliteStore, Status, Storage, StoreKey, VectorStore,
};
