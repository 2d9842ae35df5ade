//! The facades services call: `Voiceprints` (enrol, verify, identify) and
//! `ImageIndex` (embed, add, search images).

mod binding;
mod image_index;
mod voiceprints;

pub use image_index::{ImageIndex, ImageRecord};
pub use voiceprints::{
    EnrollOutcome, Identification, SpeakerInfo, VerifyOutcome, Voiceprints, VoiceprintsConfig,
};
