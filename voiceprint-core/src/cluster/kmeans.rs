//! Deterministic k-means (Lloyd's iterations, k-means++ seeding with a fixed
//! generator) for the spectral embeddings.

/// Labels for `rows` in `0..k`.
pub(crate) fn kmeans(rows: &[Vec<f32>], k: usize) -> Vec<usize> {
    let n = rows.len();
    if n == 0 || k <= 1 {
        return vec![0; n];
    }
    let k = k.min(n);
    let dist = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f32>();
    // k-means++: the first centre is row 0, each next one drawn with
    // probability proportional to the squared distance (xorshift, seeded).
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut centres = vec![rows[0].clone()];
    let mut d2: Vec<f32> = rows.iter().map(|r| dist(r, &centres[0])).collect();
    while centres.len() < k {
        let total: f64 = d2.iter().map(|&x| f64::from(x)).sum();
        let pick = if total > 0.0 {
            let target = next() * total;
            let mut acc = 0.0;
            d2.iter()
                .position(|&x| {
                    acc += f64::from(x);
                    acc >= target
                })
                .unwrap_or(n - 1)
        } else {
            centres.len()
        };
        centres.push(rows[pick].clone());
        for (d, r) in d2.iter_mut().zip(rows) {
            *d = d.min(dist(r, &rows[pick]));
        }
    }
    let mut labels = vec![0usize; n];
    for _ in 0..100 {
        let mut changed = false;
        for (i, r) in rows.iter().enumerate() {
            let (best, _) = centres
                .iter()
                .enumerate()
                .map(|(c, m)| (c, dist(r, m)))
                .fold((0, f32::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
            if labels[i] != best {
                labels[i] = best;
                changed = true;
            }
        }
        let dim = rows[0].len();
        let mut sums = vec![vec![0.0f32; dim]; k];
        let mut counts = vec![0usize; k];
        for (r, &l) in rows.iter().zip(&labels) {
            counts[l] += 1;
            sums[l].iter_mut().zip(r).for_each(|(s, x)| *s += x);
        }
        for c in 0..k {
            if counts[c] > 0 {
                centres[c] = sums[c].iter().map(|s| s / counts[c] as f32).collect();
            }
        }
        if !changed {
            break;
        }
    }
    labels
}
