use crate::{Error, Result};

/// The equal error rate and the threshold where it occurs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EerResult {
    /// Rate at which false accepts equal false rejects, in [0, 1].
    pub eer: f32,
    /// The score threshold at that point.
    pub threshold: f32,
}

fn check_scores(name: &'static str, scores: &[f32]) -> Result<()> {
    if scores.is_empty() {
        return Err(Error::invalid_argument(name, "no scores"));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::invalid_argument(
            name,
            format!("score {i} is not finite"),
        ));
    }
    Ok(())
}

/// False-accept and false-reject rates at `threshold` (accept when
/// `score >= threshold`).
pub fn far_frr(target: &[f32], nontarget: &[f32], threshold: f32) -> (f32, f32) {
    let fa = nontarget.iter().filter(|&&s| s >= threshold).count();
    let fr = target.iter().filter(|&&s| s < threshold).count();
    (
        fa as f32 / nontarget.len().max(1) as f32,
        fr as f32 / target.len().max(1) as f32,
    )
}

/// Equal error rate by an exact sweep of the ROC over all scores, linearly
/// interpolated between the two operating points where FRR crosses FAR.
///
/// ```
/// use voiceprint_core::score::eer;
/// let r = eer(&[0.9, 0.8, 0.7], &[0.1, 0.2, 0.3]).unwrap();
/// assert_eq!(r.eer, 0.0);
/// ```
pub fn eer(target: &[f32], nontarget: &[f32]) -> Result<EerResult> {
    check_scores("target_scores", target)?;
    check_scores("nontarget_scores", nontarget)?;
    // All scores, ascending; label true for target.
    let mut all: Vec<(f32, bool)> = target
        .iter()
        .map(|&s| (s, true))
        .chain(nontarget.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (nt, nn) = (target.len() as f64, nontarget.len() as f64);
    // Threshold just above all scores below index i: FRR = targets below,
    // FAR = non-targets at or above. Walk i from 0 to n over distinct scores.
    let mut frr_prev = 0.0f64;
    let mut far_prev = 1.0f64;
    let mut thr_prev = all[0].0;
    let mut targets_below = 0usize;
    let mut nontargets_below = 0usize;
    let mut i = 0;
    while i < all.len() {
        let s = all[i].0;
        while i < all.len() && all[i].0 == s {
            if all[i].1 {
                targets_below += 1;
            } else {
                nontargets_below += 1;
            }
            i += 1;
        }
        let frr = targets_below as f64 / nt;
        let far = 1.0 - nontargets_below as f64 / nn;
        let thr = all.get(i).map(|x| x.0).unwrap_or(s + f32::EPSILON);
        if frr >= far {
            // Crossing between the previous point and this one.
            let d_prev = far_prev - frr_prev;
            let d_now = frr - far;
            let w = if d_prev + d_now > 0.0 {
                d_prev / (d_prev + d_now)
            } else {
                0.0
            };
            let eer = frr_prev + w * (frr - frr_prev);
            let threshold = thr_prev + (w as f32) * (thr - thr_prev);
            return Ok(EerResult {
                eer: eer as f32,
                threshold,
            });
        }
        frr_prev = frr;
        far_prev = far;
        thr_prev = thr;
    }
    Ok(EerResult {
        eer: 0.0,
        threshold: thr_prev,
    })
}

/// The smallest threshold whose false-accept rate on `nontarget` scores is
/// at most `far` (accept when `score >= threshold`).
///
/// ```
/// use voiceprint_core::score::threshold_at_far;
/// let nontarget: Vec<f32> = (0..100).map(|i| i as f32 / 100.0).collect();
/// let t = threshold_at_far(&nontarget, 0.05).unwrap();
/// assert!(nontarget.iter().filter(|&&s| s >= t).count() <= 5);
/// ```
pub fn threshold_at_far(nontarget: &[f32], far: f32) -> Result<f32> {
    check_scores("nontarget_scores", nontarget)?;
    if !(0.0..=1.0).contains(&far) {
        return Err(Error::invalid_argument(
            "far",
            format!("{far} is not a rate in [0, 1]"),
        ));
    }
    let mut sorted = nontarget.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a)); // descending
    let allowed = (far as f64 * sorted.len() as f64).floor() as usize;
    if allowed >= sorted.len() {
        return Ok(sorted[sorted.len() - 1]);
    }
    // Accepting the `allowed` highest scores is fine; the next one must be
    // rejected, so the threshold sits just above it.
    // Scores tied with the rejected one are rejected too, so ties can only
    // lower the false-accept rate below `far`.
    Ok(next_up(sorted[allowed]))
}

/// The smallest f32 greater than `x` (for finite `x`).
fn next_up(x: f32) -> f32 {
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let bits = x.to_bits();
    f32::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn perfect_separation_has_zero_eer() {
        let r = eer(&[0.8, 0.9], &[0.1, 0.2, 0.3]).unwrap();
        assert_eq!(r.eer, 0.0);
        assert!(r.threshold > 0.3 && r.threshold <= 0.8, "{r:?}");
    }

    #[test]
    fn identical_distributions_have_half_eer() {
        let s: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        let r = eer(&s, &s).unwrap();
        assert!((r.eer - 0.5).abs() < 0.01, "{r:?}");
    }

    #[test]
    fn hand_computed_case() {
        // Targets 0.4 0.6 0.8 0.9, non-targets 0.1 0.3 0.5 0.7. At a threshold in
        // (0.5, 0.6]: FRR = 1/4 (0.4), FAR = 1/4 (0.7). EER = 0.25.
        let r = eer(&[0.4, 0.6, 0.8, 0.9], &[0.1, 0.3, 0.5, 0.7]).unwrap();
        assert!((r.eer - 0.25).abs() < 1e-6, "{r:?}");
        let (far, frr) = far_frr(&[0.4, 0.6, 0.8, 0.9], &[0.1, 0.3, 0.5, 0.7], 0.55);
        assert_eq!((far, frr), (0.25, 0.25));
    }

    #[test]
    fn bad_scores_are_errors() {
        assert!(eer(&[], &[0.1]).is_err());
        assert!(eer(&[f32::NAN], &[0.1]).is_err());
        assert!(threshold_at_far(&[0.1], 1.5).is_err());
    }

    proptest! {
        #[test]
        fn threshold_at_far_meets_the_rate_and_is_monotone(
            scores in proptest::collection::vec(-1.0f32..1.0, 1..300),
            a in 0.0f32..1.0, b in 0.0f32..1.0,
        ) {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            let t_lo = threshold_at_far(&scores, lo).unwrap();
            let t_hi = threshold_at_far(&scores, hi).unwrap();
            let (far_lo, _) = far_frr(&[0.0], &scores, t_lo);
            prop_assert!(far_lo <= lo + 1e-6, "far {} > {}", far_lo, lo);
            prop_assert!(t_hi <= t_lo);
        }

        #[test]
        fn eer_lies_in_unit_interval(
            t in proptest::collection::vec(-1.0f32..1.0, 1..100),
            n in proptest::collection::vec(-1.0f32..1.0, 1..100),
        ) {
            let r = eer(&t, &n).unwrap();
            prop_assert!((0.0..=1.0).contains(&r.eer));
        }
    }
}
