//! The JSON form of a [`GenderClassifier`]: a versioned file holding the
//! weights, the model id they belong to and how they were trained.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::classifier::{GenderClassifier, GenderTrainingInfo};
use crate::{Error, Result};

/// The `format` field of a gender head file.
pub const GENDER_HEAD_FORMAT: &str = "voiceprint-gender-head";

/// The newest `format_version` this library reads and the one it writes.
pub const GENDER_HEAD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct HeadFile {
    format: String,
    format_version: u32,
    model_id: String,
    dim: usize,
    margin: f32,
    bias: f32,
    weights: Vec<f32>,
    #[serde(default)]
    training: GenderTrainingInfo,
}

fn bad(detail: String) -> Error {
    Error::InvalidModelSpec {
        detail: format!("gender head: {detail}"),
    }
}

impl GenderClassifier {
    /// Reads a head from its JSON (as [`to_json`](Self::to_json) writes it).
    ///
    /// Errors: [`Error::InvalidModelSpec`] for JSON that does not parse, a
    /// `format` other than `voiceprint-gender-head`, a newer
    /// `format_version`, or weights that do not match `dim`, are not finite
    /// or have a margin outside `[0, 0.5)`.
    pub fn from_json(json: &str) -> Result<Self> {
        let f: HeadFile =
            serde_json::from_str(json).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        if f.format != GENDER_HEAD_FORMAT {
            return Err(bad(format!(
                "format is {:?}, expected {GENDER_HEAD_FORMAT:?}",
                f.format
            )));
        }
        if f.format_version == 0 || f.format_version > GENDER_HEAD_VERSION {
            return Err(bad(format!(
                "format_version {} is not one this library reads (1..={GENDER_HEAD_VERSION}); upgrade voiceprint",
                f.format_version
            )));
        }
        if f.weights.len() != f.dim {
            return Err(bad(format!(
                "{} weights for dim {}",
                f.weights.len(),
                f.dim
            )));
        }
        let mut head = GenderClassifier::new(&f.model_id, f.weights, f.bias, f.margin)
            .map_err(|e| bad(e.to_string()))?;
        head.info = f.training;
        Ok(head)
    }

    /// The head as pretty-printed JSON: format, version, model id, dim,
    /// margin, bias, weights and the training information.
    ///
    /// ```
    /// use voiceprint_core::GenderClassifier;
    ///
    /// let head = GenderClassifier::new("m", vec![1.0, -1.0], 0.0, 0.25)?;
    /// let back = GenderClassifier::from_json(&head.to_json())?;
    /// assert_eq!(back, head);
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let f = HeadFile {
            format: GENDER_HEAD_FORMAT.to_string(),
            format_version: GENDER_HEAD_VERSION,
            model_id: self.model_id.clone(),
            dim: self.dim(),
            margin: self.margin,
            bias: self.bias,
            weights: self.weights.clone(),
            training: self.info.clone(),
        };
        // Plain data with finite numbers (the constructor checks): nothing
        // here can fail to serialise.
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }

    /// Reads a head from a JSON file.
    ///
    /// Errors: [`Error::Io`], and those of [`from_json`](Self::from_json).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&json)
    }

    /// Writes the head as JSON to a file, replacing it.
    ///
    /// Errors: [`Error::Io`].
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut json = self.to_json();
        json.push('\n');
        std::fs::write(path, json).map_err(|e| Error::io(path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> GenderClassifier {
        let mut h = GenderClassifier::new("m", vec![0.5, -0.25, 1e-7], 0.125, 0.2).unwrap();
        h.training_info_mut().command = Some("train it".into());
        h.training_info_mut().cv_utterance_accuracy = Some(0.99);
        h
    }

    #[test]
    fn round_trips_through_json_and_files() {
        let h = head();
        assert_eq!(GenderClassifier::from_json(&h.to_json()).unwrap(), h);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("head.json");
        h.save(&path).unwrap();
        assert_eq!(GenderClassifier::load(&path).unwrap(), h);
        let missing = GenderClassifier::load(dir.path().join("nope.json")).unwrap_err();
        assert!(matches!(missing, Error::Io { .. }));
    }

    #[test]
    fn refuses_bad_files() {
        let good: serde_json::Value = serde_json::from_str(&head().to_json()).unwrap();
        let with = |key: &str, v: serde_json::Value| {
            let mut j = good.clone();
            j[key] = v;
            j.to_string()
        };
        let cases = [
            "not json".to_string(),
            with("format", "something-else".into()),
            with("format_version", 2.into()),
            with("format_version", 0.into()),
            with("dim", 4.into()),
            with("margin", 0.7.into()),
            with("model_id", "".into()),
            with("weights", serde_json::json!([])),
        ];
        for json in cases {
            let e = GenderClassifier::from_json(&json).unwrap_err();
            assert!(matches!(e, Error::InvalidModelSpec { .. }), "{json}: {e}");
        }
        // Training information is optional.
        let mut bare = good.clone();
        bare.as_object_mut().unwrap().remove("training");
        let h = GenderClassifier::from_json(&bare.to_string()).unwrap();
        assert_eq!(h.training_info(), &GenderTrainingInfo::default());
    }
}
