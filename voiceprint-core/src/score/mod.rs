//! Scoring: cosine similarity, calibration (EER, threshold at a target
//! false-accept rate), score normalisation (AS-norm) and one-to-one
//! assignment of maximum weight (Hungarian).

mod asnorm;
mod assignment;
mod calibration;
mod cosine;

pub use asnorm::AsNorm;
pub use assignment::max_weight_assignment;
pub use calibration::{eer, far_frr, threshold_at_far, EerResult};
pub use cosine::{cosine, dot, l2_normalize};
