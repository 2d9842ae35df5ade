//! [`Features`]: the row-major `[num_frames, dim]` matrix every front end returns.

use std::ops::Range;

use crate::error::{Error, Result};

/// A row-major `[num_frames, dim]` matrix of `f32` features: one row per
/// frame (10 ms for the fbank and GE2E front ends), one column per bin.
///
/// This is the layout speaker models take as input (`[batch, frames, bins]`
/// with a batch of one), so [`Features::as_slice`] can be handed to the
/// runtime without a copy.
///
/// ```
/// use voiceprint_core::features::Features;
///
/// let mut f = Features::new(vec![1.0, 10.0, 3.0, 30.0], 2, 2)?;
/// assert_eq!(f.row(1), &[3.0, 30.0]);
/// f.subtract_mean();
/// assert_eq!(f.as_slice(), &[-1.0, -10.0, 1.0, 10.0]);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    data: Vec<f32>,
    num_frames: usize,
    dim: usize,
}

impl Features {
    /// Wraps `data` as a `[num_frames, dim]` matrix.
    ///
    /// Fails with [`Error::InvalidArgument`] when `dim` is zero and with
    /// [`Error::DimensionMismatch`] when `data.len() != num_frames * dim`.
    pub fn new(data: Vec<f32>, num_frames: usize, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::invalid_argument("dim", "must be at least 1"));
        }
        let expected = num_frames
            .checked_mul(dim)
            .ok_or_else(|| Error::invalid_argument("num_frames", "num_frames * dim overflows"))?;
        if data.len() != expected {
            return Err(Error::DimensionMismatch {
                expected,
                actual: data.len(),
            });
        }
        Ok(Self {
            data,
            num_frames,
            dim,
        })
    }

    /// A zero matrix; the front ends fill it in place. `dim` is at least 1
    /// and `num_frames * dim` was checked by the caller (an allocation of
    /// that size must already be possible).
    pub(crate) fn zeros(num_frames: usize, dim: usize) -> Self {
        Self {
            data: vec![0.0; num_frames * dim],
            num_frames,
            dim: dim.max(1),
        }
    }

    /// Number of frames (rows).
    pub fn num_frames(&self) -> usize {
        self.num_frames
    }

    /// Number of bins per frame (columns).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// `true` when there are no frames.
    pub fn is_empty(&self) -> bool {
        self.num_frames == 0
    }

    /// All values, row after row.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// All values, row after row, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Frame `i`; an empty slice when `i >= num_frames()` (never panics).
    pub fn row(&self, i: usize) -> &[f32] {
        i.checked_mul(self.dim)
            .and_then(|start| self.data.get(start..start.checked_add(self.dim)?))
            .unwrap_or(&[])
    }

    /// The frames in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        self.data.chunks_exact(self.dim)
    }

    /// The frames in order, mutable.
    pub(crate) fn rows_mut(&mut self) -> std::slice::ChunksExactMut<'_, f32> {
        self.data.chunks_exact_mut(self.dim)
    }

    /// The values, row after row, without a copy.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// The matrix as an `ndarray` of shape `[num_frames, dim]`, without a copy.
    pub fn into_array2(self) -> ndarray::Array2<f32> {
        let Self {
            data,
            num_frames,
            dim,
        } = self;
        // The shape always matches `data.len()` (checked at construction);
        // the fallback only exists so this cannot panic.
        ndarray::Array2::from_shape_vec((num_frames, dim), data)
            .unwrap_or_else(|_| ndarray::Array2::zeros((0, dim)))
    }

    /// Cepstral mean normalisation: subtracts from every bin its mean over
    /// all frames, as 3D-Speaker (`feat - feat.mean(0)`), WeSpeaker
    /// (`apply_cmvn` with `norm_var=False`) and sherpa-onnx
    /// (`feature_normalize_type = "global-mean"`) do before the model.
    /// The means are accumulated in `f64`. No-op without frames.
    pub fn subtract_mean(&mut self) {
        if self.num_frames == 0 {
            return;
        }
        let mut sums = vec![0.0f64; self.dim];
        for row in self.data.chunks_exact(self.dim) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        let n = self.num_frames as f64;
        let means: Vec<f32> = sums.iter().map(|s| (s / n) as f32).collect();
        for row in self.data.chunks_exact_mut(self.dim) {
            for (v, m) in row.iter_mut().zip(&means) {
                *v -= m;
            }
        }
    }

    /// A copy of the frames in `range`, clamped to the frames available as
    /// Python slicing does (`mel[s]` in Resemblyzer): a range past the end
    /// gives fewer (possibly zero) frames instead of panicking.
    pub fn slice_frames(&self, range: Range<usize>) -> Features {
        let start = range.start.min(self.num_frames);
        let end = range.end.clamp(start, self.num_frames);
        let data = self
            .data
            .get(start * self.dim..end * self.dim)
            .unwrap_or(&[])
            .to_vec();
        Features {
            data,
            num_frames: end - start,
            dim: self.dim,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn new_checks_shape() {
        assert!(Features::new(vec![0.0; 6], 2, 3).is_ok());
        assert!(matches!(
            Features::new(vec![0.0; 5], 2, 3),
            Err(Error::DimensionMismatch {
                expected: 6,
                actual: 5
            })
        ));
        assert!(matches!(
            Features::new(vec![], 0, 0),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            Features::new(vec![], usize::MAX, 2),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn row_out_of_range_is_empty() {
        let f = Features::new(vec![1.0, 2.0, 3.0, 4.0], 2, 2).unwrap();
        assert_eq!(f.row(0), &[1.0, 2.0]);
        assert_eq!(f.row(1), &[3.0, 4.0]);
        assert!(f.row(2).is_empty());
        assert!(f.row(usize::MAX).is_empty());
        assert_eq!(f.rows().count(), 2);
    }

    #[test]
    fn slice_frames_clamps_like_python() {
        let f = Features::new((0..10).map(|v| v as f32).collect(), 5, 2).unwrap();
        let s = f.slice_frames(1..3);
        assert_eq!(s.num_frames(), 2);
        assert_eq!(s.as_slice(), &[2.0, 3.0, 4.0, 5.0]);
        assert_eq!(f.slice_frames(4..100).num_frames(), 1);
        assert_eq!(f.slice_frames(7..9).num_frames(), 0);
        #[allow(clippy::reversed_empty_ranges)]
        let backwards = f.slice_frames(3..1);
        assert_eq!(backwards.num_frames(), 0);
        assert_eq!(backwards.dim(), 2);
    }

    #[test]
    fn into_array2_keeps_layout() {
        let f = Features::new(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3, 2).unwrap();
        let a = f.into_array2();
        assert_eq!(a.shape(), &[3, 2]);
        assert_eq!(a[[2, 1]], 6.0);
    }

    proptest! {
        #[test]
        fn subtract_mean_zeroes_column_means(
            frames in 1usize..40,
            dim in 1usize..12,
            seed in proptest::collection::vec(-1.0e3f32..1.0e3, 480),
        ) {
            let data: Vec<f32> = (0..frames * dim).map(|i| seed[i % seed.len()] + i as f32).collect();
            let mut f = Features::new(data, frames, dim).unwrap();
            f.subtract_mean();
            for c in 0..dim {
                let mean: f64 = f.rows().map(|r| f64::from(r[c])).sum::<f64>() / frames as f64;
                prop_assert!(mean.abs() < 1e-3, "column {} mean {}", c, mean);
            }
        }
    }
}
