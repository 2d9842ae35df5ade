//! The heads shipped with the library, one per speaker-model preset that
//! has one: trained by `examples/rust/train_gender.rs` and committed as JSON.

use super::classifier::GenderClassifier;

/// The GE2E (Resemblyzer) head: JSON of `examples/rust/train_gender.rs` on
/// the 251 LibriSpeech train-clean-100 speakers (training command, data
/// hash and cross-validated accuracy inside).
const GE2E_RESEMBLYZER: &str = include_str!("ge2e-resemblyzer.json");

/// Model ids that have a shipped head.
pub const BUILTIN_GENDER_HEADS: &[&str] = &["ge2e-resemblyzer"];

impl GenderClassifier {
    /// The head shipped for a model id (see [`BUILTIN_GENDER_HEADS`]), or
    /// `None` when the library has none for it: train one with
    /// [`train`](Self::train).
    ///
    /// ```
    /// use voiceprint_core::GenderClassifier;
    ///
    /// let head = GenderClassifier::builtin("ge2e-resemblyzer").expect("shipped");
    /// assert_eq!((head.model_id(), head.dim()), ("ge2e-resemblyzer", 256));
    /// assert!(GenderClassifier::builtin("campplus").is_none());
    /// ```
    pub fn builtin(model_id: &str) -> Option<Self> {
        let json = match model_id {
            "ge2e-resemblyzer" => GE2E_RESEMBLYZER,
            _ => return None,
        };
        // The shipped JSON is checked by this module's tests; a head that
        // failed to parse would be a build defect, reported as "none".
        GenderClassifier::from_json(json)
            .ok()
            .filter(|h| h.model_id() == model_id)
    }

    /// The head shipped for the GE2E preset (`ge2e-resemblyzer`, 256 dims).
    pub fn for_ge2e() -> Option<Self> {
        Self::builtin("ge2e-resemblyzer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::ModelSpec;

    #[test]
    fn every_shipped_head_parses_and_matches_its_preset() {
        for &id in BUILTIN_GENDER_HEADS {
            let head = GenderClassifier::from_json(GE2E_RESEMBLYZER).unwrap();
            assert_eq!(head.model_id(), id);
            let spec = ModelSpec::preset(id).unwrap();
            assert_eq!(spec.model_id, id);
            assert_eq!(Some(head.dim()), spec.dim);
            assert!(GenderClassifier::builtin(id).is_some());
            let info = head.training_info();
            assert!(info.command.is_some() && info.data_sha256.is_some());
        }
        assert_eq!(
            GenderClassifier::for_ge2e(),
            GenderClassifier::builtin("ge2e-resemblyzer")
        );
    }
}
