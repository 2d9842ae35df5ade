use ndarray::{Array2, ArrayView2};

use crate::{Error, Result};

/// A dense, symmetric matrix of cosine similarities between `n` unit vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Affinity {
    n: usize,
    data: Vec<f32>,
}

impl Affinity {
    /// Cosine similarities of the rows of `vectors` (each renormalised, so
    /// any non-zero rows may be given), as one matrix product.
    ///
    /// Errors: [`Error::EmptyInput`] for no rows, [`Error::DimensionMismatch`]
    /// for rows of unequal length, [`Error::InvalidArgument`] for a zero or
    /// non-finite row.
    pub fn cosine(vectors: &[&[f32]]) -> Result<Affinity> {
        let n = vectors.len();
        let dim = vectors.first().map(|v| v.len()).ok_or(Error::EmptyInput {
            what: "embedding list",
        })?;
        let mut m = Array2::<f32>::zeros((n, dim));
        for (i, v) in vectors.iter().enumerate() {
            if v.len() != dim {
                return Err(Error::DimensionMismatch {
                    expected: dim,
                    actual: v.len(),
                });
            }
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if !(norm.is_finite() && norm > 0.0) {
                return Err(Error::invalid_argument(
                    "embeddings",
                    format!("row {i} is zero or not finite"),
                ));
            }
            for (dst, &x) in m.row_mut(i).iter_mut().zip(v.iter()) {
                *dst = x / norm;
            }
        }
        Ok(Self::from_gram(m.view()))
    }

    /// The average similarity between groups of unit vectors, given each
    /// group's (weighted) mean vector, *not* renormalised: the dot product of
    /// two means is the mean pairwise cosine of the groups' members, which
    /// is what average linkage compares. (Renormalised centroids score
    /// groups as more alike than their members are.)
    ///
    /// Errors: [`Error::EmptyInput`] for no rows, [`Error::DimensionMismatch`]
    /// for rows of unequal length, [`Error::InvalidArgument`] for a
    /// non-finite entry.
    pub fn of_group_means(means: &[&[f32]]) -> Result<Affinity> {
        let n = means.len();
        let dim = means.first().map(|v| v.len()).ok_or(Error::EmptyInput {
            what: "group means",
        })?;
        let mut m = Array2::<f32>::zeros((n, dim));
        for (i, v) in means.iter().enumerate() {
            if v.len() != dim {
                return Err(Error::DimensionMismatch {
                    expected: dim,
                    actual: v.len(),
                });
            }
            if v.iter().any(|x| !x.is_finite()) {
                return Err(Error::invalid_argument(
                    "group means",
                    format!("row {i} is not finite"),
                ));
            }
            m.row_mut(i)
                .iter_mut()
                .zip(v.iter())
                .for_each(|(d, &x)| *d = x);
        }
        Ok(Self::from_gram(m.view()))
    }

    fn from_gram(m: ArrayView2<'_, f32>) -> Affinity {
        let n = m.nrows();
        let g = m.dot(&m.t());
        let mut data = g.into_raw_vec_and_offset().0;
        // Round-off can push a self-similarity a hair past 1.
        data.iter_mut().for_each(|x| *x = x.clamp(-1.0, 1.0));
        Affinity { n, data }
    }

    /// Wraps a row-major `n × n` matrix; errors unless it is square and finite.
    pub fn from_matrix(n: usize, data: Vec<f32>) -> Result<Affinity> {
        if data.len() != n * n {
            return Err(Error::DimensionMismatch {
                expected: n * n,
                actual: data.len(),
            });
        }
        if data.iter().any(|x| !x.is_finite()) {
            return Err(Error::invalid_argument(
                "affinity",
                "the matrix has a non-finite entry",
            ));
        }
        Ok(Affinity { n, data })
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Similarity of items `i` and `j`.
    pub fn get(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.n + j]
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.n..(i + 1) * self.n]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_matrix_is_symmetric_with_unit_diagonal() {
        let a = [1.0f32, 0.0];
        let b = [3.0f32, 4.0];
        let m = Affinity::cosine(&[&a, &b]).unwrap();
        assert!((m.get(0, 0) - 1.0).abs() < 1e-6);
        assert!((m.get(0, 1) - 0.6).abs() < 1e-6);
        assert_eq!(m.get(0, 1), m.get(1, 0));
        assert!(Affinity::cosine(&[&a, &[0.0, 0.0]]).is_err());
        assert!(Affinity::cosine(&[&a, &[1.0]]).is_err());
        assert!(Affinity::cosine(&[]).is_err());
    }
}
