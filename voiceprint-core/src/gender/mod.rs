//! Gender from a voice: a logistic-regression probe on voiceprints
//! ([`GenderClassifier`]), bound to the model that made them, with a head
//! shipped for the GE2E preset ([`GenderClassifier::for_ge2e`]) and
//! [`GenderClassifier::train`] to fit one for another model. The
//! model-independent second opinion is the speaker's median pitch,
//! [`crate::features::median_f0`].
//!
//! ```
//! use std::sync::Arc;
//! use voiceprint_core::{Embedding, Gender, GenderClassifier};
//!
//! let head = GenderClassifier::for_ge2e().expect("shipped with the library");
//! // A voiceprint from another model is refused, not misread.
//! let other = Embedding::from_raw(vec![1.0; 256], Arc::from("campplus"))?;
//! assert!(head.predict(&other).is_err());
//! let p = head.predict_vector(&vec![1.0; 256])?;
//! assert!((0.0..=1.0).contains(&p.female_probability));
//! let undecided = (p.female_probability - 0.5).abs() < head.margin();
//! assert_eq!(p.gender == Gender::Unknown, undecided);
//! # Ok::<(), voiceprint_core::Error>(())
//! ```

mod builtin;
mod classifier;
mod json;
mod label;
mod train;

pub use builtin::BUILTIN_GENDER_HEADS;
pub use classifier::{
    GenderClassifier, GenderPrediction, GenderTrainingInfo, DEFAULT_GENDER_MARGIN,
};
pub use json::{GENDER_HEAD_FORMAT, GENDER_HEAD_VERSION};
pub use label::Gender;
pub use train::GenderTrainOptions;
