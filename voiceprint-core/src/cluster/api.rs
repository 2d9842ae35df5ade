use super::ahc::agglomerative;
use super::spectral::spectral;
use super::{Affinity, ClusterMethod, ClusterOptions};
use crate::{Error, Result};

/// Above this many items, clustering runs in two stages so memory stays
/// bounded (no `n × n` matrix over every window of a film): blocks of
/// consecutive items are over-clustered first, then their centroids are
/// clustered. 2000 items is a 16 MB affinity.
const MAX_DIRECT: usize = 2000;

/// Within a block, items at least this similar are merged in the first
/// stage: well above any speaker threshold, so a first-stage cluster is
/// one speaker with near certainty.
const STAGE_ONE_THRESHOLD: f32 = 0.8;

/// The outcome of [`cluster`].
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// A label per input vector, `0..num_clusters`, numbered in order of
    /// first appearance.
    pub labels: Vec<usize>,
    /// Number of clusters.
    pub num_clusters: usize,
}

/// Groups unit vectors into clusters.
///
/// `weights` (one per vector, e.g. seconds of speech; `None` = equal)
/// weigh the agglomerative averages. The count is `options.count.exact`
/// when given, else estimated and held in `[min, max]`.
///
/// ```
/// use voiceprint_core::cluster::{cluster, ClusterOptions};
/// let a = [1.0f32, 0.1, 0.0];
/// let b = [0.9f32, 0.2, 0.0];
/// let c = [0.0f32, 0.1, 1.0];
/// let out = cluster(&[&a, &b, &c], None, &ClusterOptions::default())?;
/// assert_eq!(out.labels, vec![0, 0, 1]);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
///
/// Errors: [`Error::InvalidArgument`] for bad options (zero counts,
/// `min > max`, an exact count above the number of vectors), a weight
/// list of the wrong length, a zero or non-finite vector;
/// [`Error::DimensionMismatch`] for vectors of unequal length.
pub fn cluster(
    vectors: &[&[f32]],
    weights: Option<&[f32]>,
    options: &ClusterOptions,
) -> Result<Clustering> {
    options.validate()?;
    let n = vectors.len();
    if n == 0 {
        options.count.range(0)?;
        return Ok(Clustering {
            labels: Vec::new(),
            num_clusters: 0,
        });
    }
    let (lo, hi) = options.count.range(n)?;
    let weights: Vec<f32> = match weights {
        Some(w) if w.len() != n => {
            return Err(Error::invalid_argument(
                "weights",
                format!("{} weights for {n} vectors", w.len()),
            ))
        }
        Some(w) if w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) => {
            return Err(Error::invalid_argument(
                "weights",
                "weights must be finite and not negative",
            ))
        }
        Some(w) => w.to_vec(),
        None => vec![1.0; n],
    };
    if n <= MAX_DIRECT {
        let affinity = Affinity::cosine(vectors)?;
        let labels = run(&affinity, &weights, options, lo, hi);
        return Ok(finish(labels));
    }
    // Stage one: over-cluster consecutive blocks; stage two: cluster the
    // block clusters, starting from their mean pairwise similarities (the
    // dot products of their unnormalised mean vectors), weighted by their
    // total weight: average linkage carried on from where stage one stopped.
    let mut stage_one = vec![0usize; n];
    let mut means: Vec<Vec<f32>> = Vec::new();
    let mut rep_weights: Vec<f32> = Vec::new();
    for (b, block) in vectors.chunks(MAX_DIRECT).enumerate() {
        let start = b * MAX_DIRECT;
        let affinity = Affinity::cosine(block)?;
        let bw = &weights[start..start + block.len()];
        let local = agglomerative(&affinity, bw, STAGE_ONE_THRESHOLD, 1, block.len());
        let k = local.iter().max().map_or(0, |m| m + 1);
        let dim = block.first().map_or(0, |v| v.len());
        let mut sums = vec![vec![0.0f64; dim]; k];
        let mut wsum = vec![0.0f64; k];
        for (i, (&l, v)) in local.iter().zip(block).enumerate() {
            let w = f64::from(bw[i].max(1e-6));
            let norm = f64::from(v.iter().map(|x| x * x).sum::<f32>().sqrt()).max(1e-12);
            sums[l]
                .iter_mut()
                .zip(v.iter())
                .for_each(|(s, &x)| *s += w * f64::from(x) / norm);
            wsum[l] += w;
        }
        for (i, &l) in local.iter().enumerate() {
            stage_one[start + i] = means.len() + l;
        }
        for (sum, w) in sums.into_iter().zip(&wsum) {
            means.push(sum.into_iter().map(|s| (s / w) as f32).collect());
            rep_weights.push(*w as f32);
        }
    }
    let rows: Vec<&[f32]> = means.iter().map(Vec::as_slice).collect();
    let (lo2, hi2) = options.count.range(rows.len())?;
    let second = if rows.len() > MAX_DIRECT {
        // Still too many: recurse on the groups' directions.
        cluster(&rows, Some(&rep_weights), options)?.labels
    } else {
        let affinity = Affinity::of_group_means(&rows)?;
        run(&affinity, &rep_weights, options, lo2, hi2)
    };
    Ok(finish(stage_one.iter().map(|&r| second[r]).collect()))
}

fn run(
    affinity: &Affinity,
    weights: &[f32],
    options: &ClusterOptions,
    lo: usize,
    hi: usize,
) -> Vec<usize> {
    match options.method {
        ClusterMethod::Agglomerative => agglomerative(affinity, weights, options.threshold, lo, hi),
        ClusterMethod::Spectral => {
            let free = options.count.exact.is_none();
            let hi = if options.count.max.is_none() && free {
                hi.min(options.max_auto_speakers.max(lo))
            } else {
                hi
            };
            // After the refinement the first eigenvalue towers over the rest,
            // so an eigengap search from 1 nearly always answers 1: like
            // spectralcluster's users (min_clusters=2), look from 2 unless
            // the caller allows a single speaker explicitly.
            let lo = if free && options.count.min.is_none() && hi >= 2 {
                lo.max(2)
            } else {
                lo
            };
            spectral(affinity, options.p_percentile, lo, hi)
        }
    }
}

fn finish(labels: Vec<usize>) -> Clustering {
    let labels = relabel(&labels);
    let num_clusters = labels.iter().max().map_or(0, |m| m + 1);
    Clustering {
        labels,
        num_clusters,
    }
}

/// Unit-length weighted mean vector of each label `0..k` (`k` = largest
/// label + 1); a label with no members gets a zero vector.
pub fn centroids(
    vectors: &[&[f32]],
    labels: &[usize],
    weights: Option<&[f32]>,
) -> Result<Vec<Vec<f32>>> {
    if vectors.len() != labels.len() {
        return Err(Error::invalid_argument(
            "labels",
            format!("{} labels for {} vectors", labels.len(), vectors.len()),
        ));
    }
    let dim = vectors.first().map_or(0, |v| v.len());
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut out = vec![vec![0.0f32; dim]; k];
    for (i, (v, &l)) in vectors.iter().zip(labels).enumerate() {
        if v.len() != dim {
            return Err(Error::DimensionMismatch {
                expected: dim,
                actual: v.len(),
            });
        }
        let w = weights.and_then(|w| w.get(i)).copied().unwrap_or(1.0);
        out[l]
            .iter_mut()
            .zip(v.iter())
            .for_each(|(o, x)| *o += w * x);
    }
    for c in &mut out {
        let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            c.iter_mut().for_each(|x| *x /= norm);
        }
    }
    Ok(out)
}

/// One pass of centroid reassignment after clustering: every vector moves
/// to the cluster whose weighted centroid it is most similar to (a k-means
/// step on the sphere). Agglomerative merges are greedy and final; this
/// lets a window that joined a cluster early follow the cluster's final
/// centre. A cluster left empty disappears; returns the labels renumbered
/// in order of first appearance.
///
/// ```
/// use voiceprint_core::cluster::reassign_to_centroids;
/// let (a, b, c) = ([1.0f32, 0.0], [0.9f32, 0.45], [0.0f32, 1.0]);
/// // b sits nearer the centre of a than that of {b, c}.
/// let labels = reassign_to_centroids(&[&a, &b, &c], &[0, 1, 1], None)?;
/// assert_eq!(labels, vec![0, 0, 1]);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn reassign_to_centroids(
    vectors: &[&[f32]],
    labels: &[usize],
    weights: Option<&[f32]>,
) -> Result<Vec<usize>> {
    let cents = centroids(vectors, labels, weights)?;
    let raw: Vec<usize> = vectors
        .iter()
        .map(|v| {
            cents
                .iter()
                .enumerate()
                .map(|(c, m)| (c, crate::score::dot(v, m)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(0, |(c, _)| c)
        })
        .collect();
    Ok(relabel(&raw))
}

/// Renumbers labels `0..k` in order of first appearance.
pub(crate) fn relabel(raw: &[usize]) -> Vec<usize> {
    let mut map = std::collections::HashMap::new();
    raw.iter()
        .map(|&r| {
            let next = map.len();
            *map.entry(r).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::SpeakerCount;

    /// `k` speakers, each a random direction, `per` noisy samples each, interleaved.
    fn speakers(k: usize, per: usize, dim: usize, noise: f32) -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..k).map(|_| (0..dim).map(|_| rnd()).collect()).collect();
        let mut v = Vec::new();
        let mut truth = Vec::new();
        for i in 0..k * per {
            let c = i % k;
            v.push(centres[c].iter().map(|x| x + noise * rnd()).collect());
            truth.push(c);
        }
        (v, truth)
    }

    fn same_partition(a: &[usize], b: &[usize]) -> bool {
        a.len() == b.len()
            && (0..a.len()).all(|i| (0..a.len()).all(|j| (a[i] == a[j]) == (b[i] == b[j])))
    }

    #[test]
    fn both_methods_recover_separated_speakers_and_honour_counts() {
        let (v, truth) = speakers(4, 10, 32, 0.3);
        let rows: Vec<&[f32]> = v.iter().map(Vec::as_slice).collect();
        for method in [ClusterMethod::Agglomerative, ClusterMethod::Spectral] {
            let opts = ClusterOptions {
                method,
                ..Default::default()
            };
            let out = cluster(&rows, None, &opts).unwrap();
            assert_eq!(out.num_clusters, 4, "{method:?}");
            assert!(same_partition(&out.labels, &truth), "{method:?}");
            for k in [2, 6] {
                let opts = ClusterOptions {
                    method,
                    count: SpeakerCount::exact(k),
                    ..Default::default()
                };
                assert_eq!(cluster(&rows, None, &opts).unwrap().num_clusters, k);
            }
            let opts = ClusterOptions {
                method,
                count: SpeakerCount {
                    min: Some(5),
                    max: Some(7),
                    exact: None,
                },
                ..Default::default()
            };
            let k = cluster(&rows, None, &opts).unwrap().num_clusters;
            assert!((5..=7).contains(&k), "{method:?} gave {k}");
        }
    }

    #[test]
    fn two_stage_clustering_of_many_items_matches_the_truth() {
        let (v, truth) = speakers(3, 1500, 16, 0.2);
        let rows: Vec<&[f32]> = v.iter().map(Vec::as_slice).collect();
        let out = cluster(&rows, None, &ClusterOptions::default()).unwrap();
        assert_eq!(out.num_clusters, 3);
        assert!(out
            .labels
            .iter()
            .zip(&truth)
            .all(|(l, t)| *l == out.labels[*t]));
    }

    #[test]
    fn bad_counts_are_refused() {
        let a = [1.0f32, 0.0];
        let rows: Vec<&[f32]> = vec![&a, &a];
        let bad = |count| {
            cluster(
                &rows,
                None,
                &ClusterOptions {
                    count,
                    ..Default::default()
                },
            )
        };
        assert!(bad(SpeakerCount::exact(0)).is_err());
        assert!(bad(SpeakerCount::exact(3)).is_err());
        assert!(bad(SpeakerCount {
            min: Some(3),
            max: Some(2),
            exact: None
        })
        .is_err());
        assert!(cluster(&rows, Some(&[1.0]), &ClusterOptions::default()).is_err());
    }
}
