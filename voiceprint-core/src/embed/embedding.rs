use std::sync::Arc;

use crate::{Error, Result};

/// A unit-length vector and the id of the model that made it.
///
/// Every speaker embedding is unit length; an image embedding is too unless
/// its [`ImageModelSpec`](super::ImageModelSpec) turns `normalize` off.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    /// The L2-normalised vector (raw model output for an image spec with `normalize: false`).
    pub vector: Vec<f32>,
    /// Id of the model that produced it.
    pub model_id: Arc<str>,
}

impl Embedding {
    /// Wraps a raw model output, L2-normalising it.
    pub fn from_raw(mut vector: Vec<f32>, model_id: Arc<str>) -> Result<Embedding> {
        crate::score::l2_normalize(&mut vector)?;
        Ok(Embedding { vector, model_id })
    }

    /// Length of the vector.
    pub fn dim(&self) -> usize {
        self.vector.len()
    }

    /// Cosine similarity with another embedding of the same model.
    pub fn similarity(&self, other: &Embedding) -> Result<f32> {
        if self.model_id != other.model_id {
            return Err(Error::ModelMismatch {
                store: self.model_id.to_string(),
                model: other.model_id.to_string(),
            });
        }
        crate::score::cosine(&self.vector, &other.vector)
    }

    /// Weighted mean of unit vectors, renormalised: the enrolment average.
    pub fn mean(items: &[(&[f32], f32)], model_id: Arc<str>) -> Result<Embedding> {
        let dim = items
            .first()
            .map(|(v, _)| v.len())
            .ok_or(Error::EmptyInput {
                what: "embedding list",
            })?;
        let mut acc = vec![0.0f32; dim];
        for (v, w) in items {
            if v.len() != dim {
                return Err(Error::DimensionMismatch {
                    expected: dim,
                    actual: v.len(),
                });
            }
            for (a, x) in acc.iter_mut().zip(v.iter()) {
                *a += w * x;
            }
        }
        Embedding::from_raw(acc, model_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_unit_vectors_is_unit_and_between_them() {
        let id: Arc<str> = Arc::from("m");
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let m = Embedding::mean(&[(&a, 1.0), (&b, 1.0)], id.clone()).unwrap();
        let s = std::f32::consts::FRAC_1_SQRT_2;
        assert!((m.vector[0] - s).abs() < 1e-6 && (m.vector[1] - s).abs() < 1e-6);
        // A weight of 3 on `a` pulls the mean towards it.
        let m3 = Embedding::mean(&[(&a, 3.0), (&b, 1.0)], id.clone()).unwrap();
        assert!(m3.vector[0] > m3.vector[1]);
        assert!(Embedding::mean(&[], id.clone()).is_err());
        assert!(Embedding::mean(&[(&a, 1.0), (&[1.0f32][..], 1.0)], id).is_err());
    }

    #[test]
    fn similarity_refuses_other_models() {
        let a = Embedding::from_raw(vec![1.0, 0.0], Arc::from("a")).unwrap();
        let b = Embedding::from_raw(vec![1.0, 0.0], Arc::from("b")).unwrap();
        assert!(matches!(a.similarity(&b), Err(Error::ModelMismatch { .. })));
        assert!((a.similarity(&a).unwrap() - 1.0).abs() < 1e-6);
    }
}
