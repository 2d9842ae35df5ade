//! The facades services call: `Voiceprints` (enrol, verify, identify).

mod voiceprints;

pub use voiceprints::{
    EnrollOutcome, Identification, SpeakerInfo, VerifyOutcome, Voiceprints, VoiceprintsConfig,
};
