use super::{dot, l2_normalize};
use crate::{Error, Result};

/// Adaptive symmetric score normalisation (AS-norm; Cumani et al. 2011,
/// Matějka et al., "Analysis of score normalization in multilingual speaker
/// recognition", Interspeech 2017).
///
/// Each side of a trial is scored against a cohort of impostor voiceprints;
/// the `top_n` highest cohort scores give a mean and deviation, and the raw
/// score is z-normalised by both sides and averaged:
/// `0.5 * ((s - μe) / σe + (s - μt) / σt)`.
///
/// ```
/// use voiceprint_core::score::AsNorm;
/// let cohort = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![0.6, 0.8]];
/// let norm = AsNorm::new(&cohort, 2).unwrap();
/// let s = norm.normalize(0.9, &[1.0, 0.0], &[0.8, 0.6]).unwrap();
/// assert!(s.is_finite());
/// ```
#[derive(Debug, Clone)]
pub struct AsNorm {
    cohort: Vec<f32>,
    dim: usize,
    top_n: usize,
}

impl AsNorm {
    /// A normaliser over `cohort` voiceprints (normalised here) using the
    /// `top_n` closest of them (clamped to the cohort size; at least 2).
    pub fn new(cohort: &[Vec<f32>], top_n: usize) -> Result<Self> {
        let dim = cohort.first().map(Vec::len).unwrap_or(0);
        if cohort.len() < 2 || dim == 0 {
            return Err(Error::invalid_argument(
                "cohort",
                format!("needs at least 2 non-empty vectors, got {}", cohort.len()),
            ));
        }
        if top_n < 2 {
            return Err(Error::invalid_argument("top_n", "must be at least 2"));
        }
        let mut flat = Vec::with_capacity(cohort.len() * dim);
        for v in cohort {
            if v.len() != dim {
                return Err(Error::DimensionMismatch {
                    expected: dim,
                    actual: v.len(),
                });
            }
            let mut u = v.clone();
            l2_normalize(&mut u)?;
            flat.extend_from_slice(&u);
        }
        Ok(AsNorm {
            cohort: flat,
            dim,
            top_n: top_n.min(cohort.len()),
        })
    }

    /// Number of cohort vectors.
    pub fn cohort_len(&self) -> usize {
        self.cohort.len() / self.dim
    }

    /// Mean and standard deviation of the `top_n` highest cohort scores of `v`.
    pub fn stats(&self, v: &[f32]) -> Result<(f32, f32)> {
        if v.len() != self.dim {
            return Err(Error::DimensionMismatch {
                expected: self.dim,
                actual: v.len(),
            });
        }
        let mut scores: Vec<f32> = self
            .cohort
            .chunks_exact(self.dim)
            .map(|c| dot(c, v))
            .collect();
        let k = self.top_n;
        scores.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        let top = &scores[..k];
        let mean = top.iter().sum::<f32>() / k as f32;
        let var = top.iter().map(|s| (s - mean) * (s - mean)).sum::<f32>() / k as f32;
        Ok((mean, var.sqrt().max(1e-6)))
    }

    /// The AS-normalised score of a trial with raw score `score`.
    pub fn normalize(&self, score: f32, enroll: &[f32], test: &[f32]) -> Result<f32> {
        let (me, se) = self.stats(enroll)?;
        let (mt, st) = self.stats(test)?;
        Ok(0.5 * ((score - me) / se + (score - mt) / st))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_stats_and_symmetry() {
        let cohort = vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, 0.0]];
        let n = AsNorm::new(&cohort, 2).unwrap();
        // v = [1, 0]: cohort scores 1, 0, -1; top 2 = {1, 0}: mean 0.5, sd 0.5.
        let (m, s) = n.stats(&[1.0, 0.0]).unwrap();
        assert!((m - 0.5).abs() < 1e-6 && (s - 0.5).abs() < 1e-6);
        let a = [0.6, 0.8];
        let b = [1.0, 0.0];
        let ab = n.normalize(0.6, &a, &b).unwrap();
        let ba = n.normalize(0.6, &b, &a).unwrap();
        assert!((ab - ba).abs() < 1e-6);
        // (0.6 - 0.5) / 0.5 = 0.2 for b; for a: scores 0.6, 0.8, -0.6: top {0.8, 0.6}: mean 0.7, sd 0.1 -> -1.
        assert!((ab - 0.5 * (0.2 - 1.0)).abs() < 1e-4, "{ab}");
    }

    #[test]
    fn bad_cohorts_are_refused() {
        assert!(AsNorm::new(&[vec![1.0]], 2).is_err());
        assert!(AsNorm::new(&[vec![1.0, 0.0], vec![1.0]], 2).is_err());
        assert!(AsNorm::new(&[vec![1.0, 0.0], vec![0.0, 0.0]], 2).is_err());
        let n = AsNorm::new(&[vec![1.0, 0.0], vec![0.0, 1.0]], 5).unwrap();
        assert!(n.stats(&[1.0]).is_err());
    }
}
