//! The facades services call: `Voiceprints` (enrol, verify, identify),
//! `Diarizer` (who spoke when) and `ImageIndex` (embed, add, search images).

mod binding;
mod diarizer;
mod diarizer_config;
mod diarizer_speakers;
mod image_index;
mod voiceprints;

pub use diarizer::Diarizer;
pub use diarizer_config::{DiarizeOptions, DiarizerConfig, Progress};
pub use image_index::{ImageIndex, ImageRecord};
pub use voiceprints::{
    EnrollOutcome, Identification, SpeakerInfo, VerifyOutcome, Voiceprints, VoiceprintsConfig,
};
