//! Gender from a voice: a logistic-regression probe on voiceprints
//! ([`GenderClassifier`]) and a model-independent pitch (F0) estimate.

use serde::{Deserialize, Serialize};

/// Male or female, as the gender classifier decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// P(female) at or above `0.5 + margin`.
    Female,
    /// P(female) at or below `0.5 - margin`.
    Male,
    /// Inside the margin: the classifier will not say.
    Unknown,
}

impl Gender {
    /// `"female"`, `"male"` or `"unknown"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Unknown => "unknown",
        }
    }
}

