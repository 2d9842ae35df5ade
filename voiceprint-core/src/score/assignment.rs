//! One-to-one assignment of maximum total weight (the Hungarian algorithm):
//! hypothesis speakers to reference speakers in the diarization error rate,
//! speaker clusters to known voices in the diarizer.

use pathfinding::kuhn_munkres::{kuhn_munkres, Weights};

/// Pairs rows with columns one to one so that the total weight of the pairs
/// is maximal, and returns for every row its column, or `None`.
///
/// Only pairs of positive weight are ever made: an entry `<= 0`, NaN or
/// infinite means "no edge", and a row whose best partner would add nothing
/// is left out (`None`) rather than matched for nothing. So with more rows
/// than columns (or the other way round), or with rows of zero weight, some
/// rows get `None`. Rows may differ in length; missing entries are no edge.
/// To match only pairs above a threshold `t`, pass `w - t` (or 0 where
/// `w <= t`).
///
/// This is what scipy's `linear_sum_assignment` on the negated matrix gives
/// followed by dropping pairs of weight 0, as pyannote.metrics'
/// `HungarianMapper` does; among several optimal assignments (ties) the one
/// chosen may differ.
///
/// ```
/// use voiceprint_core::score::max_weight_assignment;
/// // Two clusters, three known voices: cluster 0 is voice 2, cluster 1 voice 0.
/// let w = vec![vec![0.1, 0.2, 0.9], vec![0.8, 0.0, 0.7]];
/// assert_eq!(max_weight_assignment(&w), vec![Some(2), Some(0)]);
/// // Nothing in common: no pair.
/// assert_eq!(max_weight_assignment(&[vec![0.0, -1.0]]), vec![None]);
/// ```
pub fn max_weight_assignment(weights: &[Vec<f64>]) -> Vec<Option<usize>> {
    let rows = weights.len();
    let columns = weights.iter().map(Vec::len).max().unwrap_or(0);
    let edge = |r: usize, c: usize| -> Option<f64> {
        let w = *weights.get(r)?.get(c)?;
        (w.is_finite() && w > 0.0).then_some(w)
    };
    let max = (0..rows)
        .flat_map(|r| (0..columns).filter_map(move |c| edge(r, c)))
        .fold(0.0f64, f64::max);
    if max <= 0.0 {
        return vec![None; rows];
    }
    // kuhn_munkres needs an exact `Ord` type (floats would break its slack
    // comparisons and may loop forever on rounding): integers, scaled so
    // that any sum of `n` weights stays below 2^52. That keeps every value
    // exact in f64 and far from i64 overflow, which the crate panics on,
    // while resolving weights to 1 part in 2^52 / n of the largest, finer
    // than a fixed scale (microseconds, say) for weights of any magnitude.
    let n = rows.max(columns);
    // `w / max` first: a scale factor on its own overflows for tiny weights.
    let top = (1u64 << 52) as f64 / (n + 1) as f64;
    let scaled: Vec<i64> = (0..rows)
        .flat_map(|r| (0..columns).map(move |c| (r, c)))
        .map(|(r, c)| edge(r, c).map_or(0, |w| (w / max * top).round() as i64))
        .collect();
    // The crate assigns every row and so needs rows <= columns: solve the
    // transposed problem otherwise.
    let transposed = rows > columns;
    let matrix = Dense {
        values: scaled,
        columns,
        transposed,
    };
    let (_, assigned) = kuhn_munkres(&matrix);
    let mut result = vec![None; rows];
    for (i, j) in assigned.into_iter().enumerate() {
        let (r, c) = if transposed { (j, i) } else { (i, j) };
        if edge(r, c).is_some() {
            result[r] = Some(c);
        }
    }
    result
}

/// Row-major weights, seen transposed when `transposed` is set.
struct Dense {
    values: Vec<i64>,
    /// Columns of the untransposed matrix.
    columns: usize,
    transposed: bool,
}

impl Dense {
    fn untransposed_rows(&self) -> usize {
        self.values.len().checked_div(self.columns).unwrap_or(0)
    }
}

impl Weights<i64> for Dense {
    fn rows(&self) -> usize {
        if self.transposed {
            self.columns
        } else {
            self.untransposed_rows()
        }
    }

    fn columns(&self) -> usize {
        if self.transposed {
            self.untransposed_rows()
        } else {
            self.columns
        }
    }

    fn at(&self, row: usize, col: usize) -> i64 {
        let (r, c) = if self.transposed {
            (col, row)
        } else {
            (row, col)
        };
        self.values[r * self.columns + c]
    }

    fn neg(&self) -> Self {
        Dense {
            values: self.values.iter().map(|v| -v).collect(),
            columns: self.columns,
            transposed: self.transposed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn total(w: &[Vec<f64>], a: &[Option<usize>]) -> f64 {
        a.iter()
            .enumerate()
            .filter_map(|(r, c)| c.map(|c| w[r][c]))
            .sum()
    }

    /// Exhaustive maximum over all partial one-to-one matchings.
    fn brute_force(w: &[Vec<f64>], row: usize, used: &mut Vec<bool>) -> f64 {
        if row == w.len() {
            return 0.0;
        }
        let mut best = brute_force(w, row + 1, used);
        for c in 0..used.len() {
            if !used[c] && w[row][c] > 0.0 {
                used[c] = true;
                best = best.max(w[row][c] + brute_force(w, row + 1, used));
                used[c] = false;
            }
        }
        best
    }

    #[test]
    fn empty_inputs() {
        assert!(max_weight_assignment(&[]).is_empty());
        assert_eq!(max_weight_assignment(&[vec![], vec![]]), vec![None, None]);
    }

    #[test]
    fn more_rows_than_columns_leaves_the_weakest_out() {
        let w = vec![vec![1.0], vec![3.0], vec![2.0]];
        assert_eq!(max_weight_assignment(&w), vec![None, Some(0), None]);
    }

    #[test]
    fn prefers_the_total_over_a_greedy_choice() {
        // Greedy takes (0, 0) = 10 and is left with (1, 1) = 1: 11 < 9 + 8.
        let w = vec![vec![10.0, 9.0], vec![8.0, 1.0]];
        assert_eq!(max_weight_assignment(&w), vec![Some(1), Some(0)]);
    }

    #[test]
    fn non_finite_and_non_positive_entries_are_no_edge() {
        let w = vec![vec![f64::NAN, f64::INFINITY, -2.0], vec![0.0, 0.5]];
        assert_eq!(max_weight_assignment(&w), vec![None, Some(1)]);
    }

    #[test]
    fn tiny_and_huge_weights_keep_their_order() {
        let w = vec![vec![1e-300, 2e-300], vec![3e-300, 1e-300]];
        assert_eq!(max_weight_assignment(&w), vec![Some(1), Some(0)]);
        let w = vec![vec![1e300, 2e300], vec![3e300, 1e300]];
        assert_eq!(max_weight_assignment(&w), vec![Some(1), Some(0)]);
    }

    proptest! {
        #[test]
        fn optimal_and_one_to_one(
            w in (1usize..5, 1usize..5).prop_flat_map(|(r, c)| {
                proptest::collection::vec(proptest::collection::vec(-1.0f64..10.0, c), r)
            })
        ) {
            let a = max_weight_assignment(&w);
            prop_assert_eq!(a.len(), w.len());
            let cols: Vec<usize> = a.iter().flatten().copied().collect();
            let mut dedup = cols.clone();
            dedup.sort_unstable();
            dedup.dedup();
            prop_assert_eq!(dedup.len(), cols.len());
            for (r, c) in a.iter().enumerate() {
                if let Some(c) = c {
                    prop_assert!(w[r][*c] > 0.0);
                }
            }
            let best = brute_force(&w, 0, &mut vec![false; w[0].len()]);
            prop_assert!((total(&w, &a) - best).abs() <= 1e-9 * best.max(1.0));
        }
    }
}
