//! Spectral clustering with the speaker count from the eigengap, after the
//! affinity refinement of Wang et al., "Speaker Diarization with LSTM"
//! (ICASSP 2018), as Google's `spectralcluster` package applies it.

use nalgebra::{DMatrix, SymmetricEigen};

use super::kmeans::kmeans;
use super::Affinity;

/// Entries pruned by the row-wise threshold keep this share of their value
/// (spectralcluster's `thresholding_soft_multiplier`).
const SOFT_MULTIPLIER: f32 = 0.01;

/// Labels `0..k` for the items of `affinity`, `k` in `[lo, hi]`: chosen by
/// the largest ratio of consecutive eigenvalues of the refined affinity
/// unless `lo == hi`.
pub(crate) fn spectral(affinity: &Affinity, p_percentile: f32, lo: usize, hi: usize) -> Vec<usize> {
    let n = affinity.len();
    if n == 0 {
        return Vec::new();
    }
    if n == 1 || hi <= 1 {
        return vec![0; n];
    }
    let refined = refine(affinity, p_percentile);
    let eig = SymmetricEigen::new(refined);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let values: Vec<f64> = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let k = if lo == hi {
        lo
    } else {
        eigengap_count(&values, lo, hi.min(n))
    };
    // Spectral embeddings: the top-k eigenvectors, rows renormalised.
    let mut rows = vec![vec![0.0f32; k]; n];
    for (c, &idx) in order.iter().take(k).enumerate() {
        let col = eig.eigenvectors.column(idx);
        for (r, row) in rows.iter_mut().enumerate() {
            row[c] = col[r] as f32;
        }
    }
    for row in &mut rows {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|x| *x /= norm);
        }
    }
    super::relabel(&kmeans(&rows, k))
}

/// The count `k` in `[lo, hi]` that maximises `λ_k / λ_{k+1}` (eigenvalues
/// in descending order, floored at a small positive value).
fn eigengap_count(values: &[f64], lo: usize, hi: usize) -> usize {
    let floor = 1e-10;
    let mut best = (lo.max(1), f64::NEG_INFINITY);
    for k in lo.max(1)..=hi {
        if k >= values.len() {
            break;
        }
        let ratio = values[k - 1].max(floor) / values[k].max(floor);
        if ratio > best.1 {
            best = (k, ratio);
        }
    }
    best.0
}

/// spectralcluster's default refinement: crop the diagonal, softly prune each
/// row's entries below `p_percentile` of its maximum, symmetrise by max,
/// diffuse (`Y Yᵀ`), normalise each row by its maximum.
fn refine(affinity: &Affinity, p_percentile: f32) -> DMatrix<f64> {
    let n = affinity.len();
    let mut a: Vec<f32> = (0..n).flat_map(|i| affinity.row(i).to_vec()).collect();
    // CropDiagonal: the diagonal becomes the row's largest off-diagonal value.
    for i in 0..n {
        let row = &a[i * n..(i + 1) * n];
        let max_off = row
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, &v)| v)
            .fold(f32::NEG_INFINITY, f32::max);
        a[i * n + i] = max_off;
    }
    // RowWiseThreshold (spectralcluster's default `RowMax` type): entries
    // below `p_percentile` times the row's maximum are multiplied down.
    for i in 0..n {
        let row = &mut a[i * n..(i + 1) * n];
        let cut = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) * p_percentile;
        for v in row.iter_mut() {
            if *v < cut {
                *v *= SOFT_MULTIPLIER;
            }
        }
    }
    let y = DMatrix::<f64>::from_fn(n, n, |i, j| f64::from(a[i * n + j].max(a[j * n + i])));
    let mut d = &y * y.transpose();
    for i in 0..n {
        let max = d.row(i).max();
        if max > 0.0 {
            d.row_mut(i).iter_mut().for_each(|x| *x /= max);
        }
    }
    // Row normalisation breaks symmetry slightly; the eigen solver wants a
    // symmetric matrix, so average with the transpose.
    (&d + d.transpose()) * 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigengap_picks_the_drop() {
        assert_eq!(eigengap_count(&[5.0, 4.8, 4.5, 0.3, 0.2], 1, 4), 3);
        assert_eq!(eigengap_count(&[5.0, 0.1, 0.05], 1, 2), 1);
        assert_eq!(eigengap_count(&[5.0, 0.1, 0.05], 2, 2), 2);
    }

    #[test]
    fn separates_groups() {
        let mut v = Vec::new();
        for i in 0..30 {
            let mut x = vec![0.05f32; 6];
            x[i % 3] = 1.0;
            x[3 + (i % 2)] += 0.1 * (i as f32 / 30.0);
            v.push(x);
        }
        let rows: Vec<&[f32]> = v.iter().map(Vec::as_slice).collect();
        let a = Affinity::cosine(&rows).unwrap();
        let labels = spectral(&a, 0.95, 1, 8);
        assert_eq!(labels.iter().max(), Some(&2));
        for (i, l) in labels.iter().enumerate() {
            assert_eq!(*l, labels[i % 3]);
        }
    }
}
