//! [`Gender`]: the answer of the gender classifier.

use serde::{Deserialize, Serialize};

/// Male or female, as the gender classifier decides.
///
/// ```
/// use voiceprint_core::Gender;
///
/// assert_eq!(Gender::Female.as_str(), "female");
/// assert_eq!(serde_json::to_string(&Gender::Unknown).unwrap(), "\"unknown\"");
/// ```
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

impl std::fmt::Display for Gender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
