//! Average-linkage agglomerative clustering (UPGMA) on cosine similarity.

use super::Affinity;

/// Merges the two most similar clusters until the best average similarity
/// falls below `threshold`, keeping the count inside `[lo, hi]`: above `hi`
/// merging goes on regardless of the threshold, at `lo` it stops.
///
/// `weights` weigh items in the averages (e.g. seconds of speech); the
/// similarity of two clusters is the weighted mean of their items' pairwise
/// similarities (Lance-Williams update for average linkage). Returns a label
/// per item, numbered `0..k` in order of first appearance.
///
/// Memory is the `n × n` affinity; time is about `O(n²)` with cached nearest
/// neighbours (each merge rescans only the rows whose neighbour changed).
pub(crate) fn agglomerative(
    affinity: &Affinity,
    weights: &[f32],
    threshold: f32,
    lo: usize,
    hi: usize,
) -> Vec<usize> {
    let n = affinity.len();
    if n == 0 {
        return Vec::new();
    }
    let mut s: Vec<f32> = (0..n).flat_map(|i| affinity.row(i).to_vec()).collect();
    let mut w: Vec<f64> = weights.iter().map(|&x| f64::from(x.max(1e-6))).collect();
    w.resize(n, 1.0);
    let mut active = vec![true; n];
    let mut parent: Vec<usize> = (0..n).collect();
    let best_of = |s: &[f32], active: &[bool], i: usize| -> (usize, f32) {
        let mut best = (usize::MAX, f32::NEG_INFINITY);
        for j in 0..n {
            if j != i && active[j] && s[i * n + j] > best.1 {
                best = (j, s[i * n + j]);
            }
        }
        best
    };
    let mut best: Vec<(usize, f32)> = (0..n).map(|i| best_of(&s, &active, i)).collect();
    let mut count = n;
    while count > 1 && count > lo {
        let (i, &(j, sim)) = match best
            .iter()
            .enumerate()
            .filter(|(i, b)| active[*i] && b.0 != usize::MAX)
            .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
        {
            Some(x) => x,
            None => break,
        };
        if count <= hi && sim < threshold {
            break;
        }
        // Merge j into i.
        let (wi, wj) = (w[i], w[j]);
        for k in 0..n {
            if active[k] && k != i && k != j {
                let v = ((wi * f64::from(s[i * n + k]) + wj * f64::from(s[j * n + k])) / (wi + wj))
                    as f32;
                s[i * n + k] = v;
                s[k * n + i] = v;
            }
        }
        w[i] = wi + wj;
        active[j] = false;
        parent[j] = i;
        count -= 1;
        best[i] = best_of(&s, &active, i);
        for k in 0..n {
            if !active[k] || k == i {
                continue;
            }
            if best[k].0 == i || best[k].0 == j {
                best[k] = best_of(&s, &active, k);
            } else if s[k * n + i] > best[k].1 {
                best[k] = (i, s[k * n + i]);
            }
        }
    }
    let root = |mut x: usize| {
        while parent[x] != x {
            x = parent[x];
        }
        x
    };
    super::relabel(&(0..n).map(root).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> Vec<Vec<f32>> {
        // Three tight groups of directions in 3-d.
        let centres = [[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let mut out = Vec::new();
        for i in 0..12 {
            let c = centres[i % 3];
            let jitter = 0.05 * (i as f32 / 12.0);
            out.push(vec![c[0] + jitter, c[1] + 0.02, c[2] + jitter * 0.5]);
        }
        out
    }

    #[test]
    fn threshold_finds_the_groups_and_bounds_override_it() {
        let v = blobs();
        let rows: Vec<&[f32]> = v.iter().map(Vec::as_slice).collect();
        let a = Affinity::cosine(&rows).unwrap();
        let w = vec![1.0; rows.len()];
        let labels = agglomerative(&a, &w, 0.5, 1, rows.len());
        assert_eq!(labels.iter().max(), Some(&2));
        for (i, l) in labels.iter().enumerate() {
            assert_eq!(*l, labels[i % 3]);
        }
        // An exact count of 2 merges past the threshold; a minimum of 5 stops early.
        assert_eq!(agglomerative(&a, &w, 0.5, 2, 2).iter().max(), Some(&1));
        assert_eq!(agglomerative(&a, &w, 0.5, 5, 5).iter().max(), Some(&4));
        // A threshold above every similarity keeps every item alone (up to hi).
        assert_eq!(agglomerative(&a, &w, 1.0, 1, 12).iter().max(), Some(&11));
        assert_eq!(agglomerative(&a, &w, 1.0, 1, 4).iter().max(), Some(&3));
    }
}
