//! The facades services call: `Voiceprints` (enrol, verify, identify),
//! `Diarizer` (who spoke when), `ImageIndex` (embed, add, search images),
//! `StyleMatcher` and `StyleIndex` (mix and master style).

mod binding;
mod diarizer;
mod diarizer_config;
mod diarizer_speakers;
mod image_index;
mod style_index;
mod style_matcher;
mod voiceprints;

pub use diarizer::Diarizer;
pub use diarizer_config::{DiarizeOptions, DiarizerConfig, Progress};
pub use image_index::{ImageIndex, ImageRecord};
pub use style_index::{StyleIndex, StyleMatch, ANALYSIS_LABEL};
pub use style_matcher::{StyleInput, StyleMatcher};
pub use voiceprints::{
    EnrollOutcome, Identification, SpeakerInfo, VerifyOutcome, Voiceprints, VoiceprintsConfig,
};
