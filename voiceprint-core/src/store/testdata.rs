//! Deterministic test vectors and records shared by the store tests.

use super::{Record, RecordMeta};

/// An active record of one enrolment.
pub(crate) fn rec(id: &str, v: Vec<f32>) -> Record {
    Record {
        id: id.into(),
        vector: v,
        meta: RecordMeta {
            enrollment_count: 1,
            ..Default::default()
        },
    }
}

/// `n` pseudo-random unit vectors of `dim` (xorshift from `seed`; no
/// extra dependency).
pub(crate) fn unit_vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            let mut v: Vec<f32> = (0..dim)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}
