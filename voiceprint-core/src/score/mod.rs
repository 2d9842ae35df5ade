//! Scoring: cosine similarity, calibration (EER, threshold at a target
//! false-accept rate) and score normalisation (AS-norm).

mod asnorm;
mod calibration;
mod cosine;

pub use asnorm::AsNorm;
pub use calibration::{eer, far_frr, threshold_at_far, EerResult};
pub use cosine::{cosine, dot, l2_normalize};
