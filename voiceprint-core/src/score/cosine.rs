use crate::{Error, Result};

/// Dot product, written as 8 independent accumulators over exact chunks so
/// the compiler vectorises it (no `unsafe`, no target-specific code).
///
/// Lengths must match; extra elements of the longer slice are ignored.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut sum = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    for (x, y) in ra.iter().zip(rb) {
        sum += x * y;
    }
    sum
}

/// Scales `v` to unit length in place.
///
/// Errors with [`Error::InvalidArgument`] for an empty, all-zero or
/// non-finite vector, which has no direction.
pub fn l2_normalize(v: &mut [f32]) -> Result<()> {
    let norm = dot(v, v).sqrt();
    if !norm.is_finite() || norm <= f32::MIN_POSITIVE {
        return Err(Error::invalid_argument(
            "vector",
            format!("cannot normalise a vector of norm {norm} (empty, zero or non-finite)"),
        ));
    }
    let inv = 1.0 / norm;
    v.iter_mut().for_each(|x| *x *= inv);
    Ok(())
}

/// Cosine similarity of two vectors, in [-1, 1].
///
/// ```
/// let s = voiceprint_core::score::cosine(&[1.0, 0.0], &[1.0, 1.0]).unwrap();
/// assert!((s - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
/// ```
pub fn cosine(a: &[f32], b: &[f32]) -> Result<f32> {
    if a.len() != b.len() {
        return Err(Error::DimensionMismatch {
            expected: a.len(),
            actual: b.len(),
        });
    }
    let na = dot(a, a).sqrt();
    let nb = dot(b, b).sqrt();
    if !(na.is_finite() && nb.is_finite()) || na <= f32::MIN_POSITIVE || nb <= f32::MIN_POSITIVE {
        return Err(Error::invalid_argument(
            "vector",
            "cosine of an empty, zero or non-finite vector is undefined",
        ));
    }
    Ok((dot(a, b) / (na * nb)).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vecs() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
        (1usize..70).prop_flat_map(|n| {
            (
                proptest::collection::vec(-10.0f32..10.0, n),
                proptest::collection::vec(-10.0f32..10.0, n),
            )
        })
    }

    proptest! {
        #[test]
        fn dot_matches_naive_sum((a, b) in vecs()) {
            let naive: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            prop_assert!((dot(&a, &b) as f64 - naive).abs() <= 1e-3 * (1.0 + naive.abs()));
        }

        #[test]
        fn cosine_is_bounded_and_symmetric((a, b) in vecs()) {
            prop_assume!(dot(&a, &a) > 1e-6 && dot(&b, &b) > 1e-6);
            let ab = cosine(&a, &b).unwrap();
            let ba = cosine(&b, &a).unwrap();
            prop_assert!((-1.0..=1.0).contains(&ab));
            prop_assert!((ab - ba).abs() <= 1e-6);
            prop_assert!((cosine(&a, &a).unwrap() - 1.0).abs() <= 1e-5);
        }

        #[test]
        fn normalised_vectors_have_unit_norm(mut a in proptest::collection::vec(-10.0f32..10.0, 1..300)) {
            prop_assume!(dot(&a, &a) > 1e-6);
            l2_normalize(&mut a).unwrap();
            prop_assert!((dot(&a, &a) - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert!(matches!(
            cosine(&[1.0], &[1.0, 2.0]),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(cosine(&[0.0, 0.0], &[1.0, 0.0]).is_err());
        assert!(cosine(&[f32::NAN, 0.0], &[1.0, 0.0]).is_err());
        assert!(l2_normalize(&mut []).is_err());
        assert!(l2_normalize(&mut [0.0, 0.0]).is_err());
        assert!(l2_normalize(&mut [f32::INFINITY, 0.0]).is_err());
    }
}
