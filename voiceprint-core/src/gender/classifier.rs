//! [`GenderClassifier`]: a logistic-regression probe on the voiceprints of
//! one model, and its answer [`GenderPrediction`].

use serde::{Deserialize, Serialize};

use super::label::Gender;
use crate::embed::Embedding;
use crate::{Error, Result};

/// Default half-width of the "unknown" band around P(female) = 0.5.
pub const DEFAULT_GENDER_MARGIN: f32 = 0.25;

/// What the classifier says about one voice (or one cluster of them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GenderPrediction {
    /// P(female), in `[0, 1]`.
    pub female_probability: f32,
    /// [`Gender::Female`] or [`Gender::Male`] outside the margin around 0.5,
    /// [`Gender::Unknown`] inside it.
    pub gender: Gender,
}

/// How a head was made: filled in by [`GenderClassifier::train`] (counts,
/// regularisation) and by whoever trains it (command, data, cross-validated
/// accuracy), kept in its JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenderTrainingInfo {
    /// The command that trained the head, to reproduce it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// What the training data is (a corpus name, a folder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// sha256 of the training data, hex, computed as the training command documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_sha256: Option<String>,
    /// Number of distinct speakers, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speakers: Option<usize>,
    /// Female training vectors.
    pub female_examples: usize,
    /// Male training vectors.
    pub male_examples: usize,
    /// The L2 penalty it was fitted with.
    pub l2: f32,
    /// Newton iterations the fit took.
    pub iterations: u32,
    /// Folds of the speaker-disjoint cross-validation, when one was run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_folds: Option<usize>,
    /// Cross-validated accuracy on whole utterances, in `[0, 1]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_utterance_accuracy: Option<f32>,
    /// Cross-validated accuracy on short chunks of utterances, in `[0, 1]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_chunk_accuracy: Option<f32>,
    /// Anything else worth knowing (chunk lengths, caveats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Tells female from male voices by a logistic regression on unit
/// voiceprints: `P(female) = sigmoid(w · v / |v| + b)`.
///
/// A head is bound to one model id and dimension and refuses the vectors
/// of another model ([`Error::ModelMismatch`]) or of another length
/// ([`Error::DimensionMismatch`]). Get one shipped with the library
/// ([`for_ge2e`](Self::for_ge2e), [`builtin`](Self::builtin)), fit one for
/// your own model ([`train`](Self::train)), or load one saved as JSON
/// ([`load`](Self::load), [`from_json`](Self::from_json)).
///
/// ```
/// use voiceprint_core::{Gender, GenderClassifier, GenderTrainOptions};
///
/// // Two toy "voiceprints" per class.
/// let rows: Vec<&[f32]> = vec![&[1.0, 0.1], &[0.9, 0.2], &[0.1, 1.0], &[0.2, 0.9]];
/// let labels = [Gender::Female, Gender::Female, Gender::Male, Gender::Male];
/// let head = GenderClassifier::train("my-model", &rows, &labels, &GenderTrainOptions::default())?;
/// let p = head.predict_vector(&[0.95, 0.1])?;
/// assert_eq!(p.gender, Gender::Female);
/// assert!(p.female_probability > 0.75);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GenderClassifier {
    pub(super) model_id: String,
    pub(super) weights: Vec<f32>,
    pub(super) bias: f32,
    pub(super) margin: f32,
    pub(super) info: GenderTrainingInfo,
}

impl GenderClassifier {
    /// A head from its parts: the model id it is bound to, one weight per
    /// dimension, the bias, and the margin of the "unknown" band.
    ///
    /// Errors: [`Error::InvalidArgument`] for an empty model id, no weights,
    /// a non-finite weight or bias, or a margin outside `[0, 0.5)`.
    pub fn new(model_id: &str, weights: Vec<f32>, bias: f32, margin: f32) -> Result<Self> {
        if model_id.is_empty() {
            return Err(Error::invalid_argument(
                "model_id",
                "empty; name the model the head is for",
            ));
        }
        if weights.is_empty() {
            return Err(Error::invalid_argument(
                "weights",
                "empty; give one weight per dimension",
            ));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite()) {
            return Err(Error::invalid_argument(
                "weights",
                format!("weight {i} is not finite"),
            ));
        }
        if !bias.is_finite() {
            return Err(Error::invalid_argument(
                "bias",
                format!("{bias} is not finite"),
            ));
        }
        check_margin(margin)?;
        Ok(GenderClassifier {
            model_id: model_id.to_string(),
            weights,
            bias,
            margin,
            info: GenderTrainingInfo::default(),
        })
    }

    /// The model id the head is bound to.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// The dimension of the voiceprints it takes.
    pub fn dim(&self) -> usize {
        self.weights.len()
    }

    /// The weights `w`, one per dimension.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The bias `b`.
    pub fn bias(&self) -> f32 {
        self.bias
    }

    /// Half-width of the "unknown" band: a prediction is
    /// [`Gender::Unknown`] when `|P(female) - 0.5| < margin`.
    pub fn margin(&self) -> f32 {
        self.margin
    }

    /// Sets the margin; 0 always decides, values near 0.5 rarely do.
    ///
    /// Errors: [`Error::InvalidArgument`] outside `[0, 0.5)`.
    pub fn set_margin(&mut self, margin: f32) -> Result<()> {
        check_margin(margin)?;
        self.margin = margin;
        Ok(())
    }

    /// How the head was trained.
    pub fn training_info(&self) -> &GenderTrainingInfo {
        &self.info
    }

    /// How the head was trained, to fill in (command, data hash, accuracy).
    pub fn training_info_mut(&mut self) -> &mut GenderTrainingInfo {
        &mut self.info
    }

    /// Gender of one voiceprint made by the head's model.
    ///
    /// Errors: [`Error::ModelMismatch`] for another model's embedding, and
    /// those of [`predict_vector`](Self::predict_vector).
    pub fn predict(&self, embedding: &Embedding) -> Result<GenderPrediction> {
        self.check_model(&embedding.model_id)?;
        self.predict_vector(&embedding.vector)
    }

    /// Gender of one raw vector of the head's model; it is L2-normalised
    /// first, as voiceprints are.
    ///
    /// Errors: [`Error::DimensionMismatch`]; [`Error::InvalidArgument`] for a
    /// zero or non-finite vector.
    pub fn predict_vector(&self, vector: &[f32]) -> Result<GenderPrediction> {
        Ok(self.decide(self.log_odds(vector)?))
    }

    /// The gender of a cluster (a diarized speaker): the prediction for the
    /// mean of its unit voiceprints, renormalised.
    ///
    /// Why the mean vector rather than the mean of per-vector log-odds: it is
    /// the cluster's centroid, the vector a diarizer reports for the speaker
    /// and the way the GE2E encoder itself makes an utterance's voiceprint
    /// from its partial windows (mean of unit vectors, renormalised), so the
    /// head sees the kind of vector it was trained on (whole utterances).
    /// Averaging before the sigmoid also lets segment noise cancel in
    /// embedding space. (The mean of log-odds would be the logit of the
    /// unnormalised mean, which shrinks towards the bias as segments disagree.)
    ///
    /// Errors: [`Error::EmptyInput`] for no embeddings, and those of
    /// [`predict`](Self::predict) for any of them.
    pub fn predict_many(&self, embeddings: &[Embedding]) -> Result<GenderPrediction> {
        if embeddings.is_empty() {
            return Err(Error::EmptyInput {
                what: "embedding list",
            });
        }
        let mut mean = vec![0.0f32; self.dim()];
        for e in embeddings {
            self.check_model(&e.model_id)?;
            let inv = 1.0 / self.checked_norm(&e.vector)?;
            for (m, x) in mean.iter_mut().zip(&e.vector) {
                *m += x * inv;
            }
        }
        self.predict_vector(&mean)
    }

    fn check_model(&self, model_id: &str) -> Result<()> {
        if model_id != self.model_id {
            return Err(Error::ModelMismatch {
                store: self.model_id.clone(),
                model: model_id.to_string(),
            });
        }
        Ok(())
    }

    /// The vector's length after checking its dimension and values.
    fn checked_norm(&self, vector: &[f32]) -> Result<f32> {
        if vector.len() != self.dim() {
            return Err(Error::DimensionMismatch {
                expected: self.dim(),
                actual: vector.len(),
            });
        }
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        if !norm.is_finite() || norm <= f32::MIN_POSITIVE {
            return Err(Error::invalid_argument(
                "vector",
                format!("norm {norm}: a voiceprint is a finite, non-zero vector"),
            ));
        }
        Ok(norm)
    }

    /// `w · v / |v| + b`, in f64 so that long vectors sum exactly enough.
    fn log_odds(&self, vector: &[f32]) -> Result<f64> {
        let norm = f64::from(self.checked_norm(vector)?);
        let dot: f64 = self
            .weights
            .iter()
            .zip(vector)
            .map(|(w, x)| f64::from(*w) * f64::from(*x))
            .sum();
        Ok(dot / norm + f64::from(self.bias))
    }

    fn decide(&self, log_odds: f64) -> GenderPrediction {
        let p = sigmoid(log_odds) as f32;
        let gender = if (p - 0.5).abs() < self.margin {
            Gender::Unknown
        } else if p >= 0.5 {
            Gender::Female
        } else {
            Gender::Male
        };
        GenderPrediction {
            female_probability: p,
            gender,
        }
    }
}

pub(super) fn check_margin(margin: f32) -> Result<()> {
    if (0.0..0.5).contains(&margin) {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "margin",
            format!(
                "{margin}; it must be in [0, 0.5) (0.25: unknown while 0.25 < P(female) < 0.75)"
            ),
        ))
    }
}

/// The logistic function, without overflow for large |z|.
pub(super) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn head() -> GenderClassifier {
        // Female along +x, male along +y.
        GenderClassifier::new("m", vec![4.0, -4.0], 0.0, 0.25).unwrap()
    }

    fn emb(v: &[f32], model: &str) -> Embedding {
        Embedding::from_raw(v.to_vec(), Arc::from(model)).unwrap()
    }

    #[test]
    fn predicts_by_the_sign_of_the_log_odds_with_an_unknown_band() {
        let h = head();
        let f = h.predict_vector(&[1.0, 0.0]).unwrap();
        assert_eq!(f.gender, Gender::Female);
        assert!((f.female_probability - sigmoid(4.0) as f32).abs() < 1e-6);
        assert_eq!(h.predict_vector(&[0.0, 3.0]).unwrap().gender, Gender::Male);
        // The norm does not matter: vectors are normalised first.
        assert_eq!(
            h.predict_vector(&[10.0, 0.0]).unwrap(),
            h.predict_vector(&[1.0, 0.0]).unwrap()
        );
        let u = h.predict_vector(&[1.0, 0.9]).unwrap();
        assert_eq!(u.gender, Gender::Unknown);
        let mut h0 = h.clone();
        h0.set_margin(0.0).unwrap();
        assert_eq!(
            h0.predict_vector(&[1.0, 0.9]).unwrap().gender,
            Gender::Female
        );
    }

    #[test]
    fn refuses_other_models_dimensions_and_bad_vectors() {
        let h = head();
        assert!(matches!(
            h.predict(&emb(&[1.0, 0.0], "other")),
            Err(Error::ModelMismatch { .. })
        ));
        assert!(h.predict(&emb(&[1.0, 0.0], "m")).is_ok());
        assert!(matches!(
            h.predict_vector(&[1.0, 0.0, 0.0]),
            Err(Error::DimensionMismatch {
                expected: 2,
                actual: 3
            })
        ));
        assert!(h.predict_vector(&[0.0, 0.0]).is_err());
        assert!(h.predict_vector(&[f32::NAN, 1.0]).is_err());
        assert!(h.predict_many(&[]).is_err());
        assert!(matches!(
            h.predict_many(&[emb(&[1.0, 0.0], "m"), emb(&[1.0, 0.0], "x")]),
            Err(Error::ModelMismatch { .. })
        ));
    }

    #[test]
    fn a_cluster_is_the_prediction_of_its_centroid() {
        let h = head();
        let a = emb(&[1.0, 0.2], "m");
        let b = emb(&[0.6, 0.8], "m");
        let many = h.predict_many(&[a.clone(), b.clone()]).unwrap();
        let sum: Vec<f32> = a.vector.iter().zip(&b.vector).map(|(x, y)| x + y).collect();
        assert_eq!(many, h.predict_vector(&sum).unwrap());
    }

    #[test]
    fn constructor_and_margin_are_checked() {
        assert!(GenderClassifier::new("", vec![1.0], 0.0, 0.25).is_err());
        assert!(GenderClassifier::new("m", vec![], 0.0, 0.25).is_err());
        assert!(GenderClassifier::new("m", vec![f32::NAN], 0.0, 0.25).is_err());
        assert!(GenderClassifier::new("m", vec![1.0], f32::INFINITY, 0.25).is_err());
        for bad in [-0.1, 0.5, f32::NAN] {
            assert!(GenderClassifier::new("m", vec![1.0], 0.0, bad).is_err());
            assert!(head().set_margin(bad).is_err());
        }
    }

    #[test]
    fn sigmoid_is_stable_at_the_extremes() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1e4), 1.0);
        assert_eq!(sigmoid(-1e4), 0.0);
        assert!((sigmoid(2.0) + sigmoid(-2.0) - 1.0).abs() < 1e-12);
    }
}
