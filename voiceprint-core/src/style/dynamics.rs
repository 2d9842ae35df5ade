//! Dynamics (crest factor) and stereo image (inter-channel correlation,
//! side-to-mid energy).

use serde::{Deserialize, Serialize};

use crate::audio::{ChannelPosition, MultichannelAudio};

/// Side-to-mid ratios below this (a mono signal in two channels) are
/// reported as this, so the figure stays finite.
pub const SIDE_TO_MID_FLOOR_DB: f64 = -100.0;

/// The stereo image of the front left/right pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StereoImage {
    /// `Σ L·R / √(Σ L² · Σ R²)`, the correlation meter's reading over the
    /// whole signal: 1 for mono, 0 for unrelated channels, -1 for
    /// polarity-inverted ones (0 when a channel is silent).
    pub correlation: f64,
    /// `10 log10(Σ S² / Σ M²)` with `M = (L + R) / 2`, `S = (L − R) / 2`:
    /// how wide the mix is (floored at [`SIDE_TO_MID_FLOOR_DB`]).
    pub side_to_mid_db: f64,
}

/// The stereo image of `audio`'s front pair (`None` without one).
pub fn stereo_image(audio: &MultichannelAudio) -> Option<StereoImage> {
    let layout = audio.layout();
    let left = audio.channel(layout.index_of(ChannelPosition::FrontLeft)?)?;
    let right = audio.channel(layout.index_of(ChannelPosition::FrontRight)?)?;
    let (mut ll, mut rr, mut lr) = (0.0f64, 0.0f64, 0.0f64);
    for (&l, &r) in left.iter().zip(right) {
        let (l, r) = (f64::from(l), f64::from(r));
        ll += l * l;
        rr += r * r;
        lr += l * r;
    }
    let correlation = if ll > 0.0 && rr > 0.0 {
        (lr / (ll * rr).sqrt()).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    // Σ M² = (ll + 2lr + rr) / 4, Σ S² = (ll − 2lr + rr) / 4.
    let mid = (ll + 2.0 * lr + rr).max(0.0);
    let side = (ll - 2.0 * lr + rr).max(0.0);
    let side_to_mid_db = if mid > 0.0 {
        (10.0 * (side / mid).log10()).max(SIDE_TO_MID_FLOOR_DB)
    } else if side > 0.0 {
        // Pure anti-phase: all side, no mid. Report the largest finite value
        // the floor mirrors.
        -SIDE_TO_MID_FLOOR_DB
    } else {
        SIDE_TO_MID_FLOOR_DB
    };
    Some(StereoImage {
        correlation,
        side_to_mid_db,
    })
}

/// Root-mean-square level over the channels other than LFE, dBFS (minus
/// infinity for digital silence).
pub fn rms_dbfs(audio: &MultichannelAudio) -> f64 {
    let (mut sum, mut n) = (0.0f64, 0usize);
    for (plane, &p) in audio.channels().iter().zip(audio.layout().positions()) {
        if p == ChannelPosition::Lfe {
            continue;
        }
        sum += plane
            .iter()
            .map(|&s| f64::from(s) * f64::from(s))
            .sum::<f64>();
        n += plane.len();
    }
    10.0 * (sum / n.max(1) as f64).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_wide_and_inverted_stereo_read_as_expected() {
        let x: Vec<f32> = (0..4800).map(|i| (i as f32 * 0.05).sin()).collect();
        let y: Vec<f32> = (0..4800).map(|i| (i as f32 * 0.0731).cos()).collect();
        let neg: Vec<f32> = x.iter().map(|v| -v).collect();
        let same = MultichannelAudio::from_planar(vec![x.clone(), x.clone()], 48_000).unwrap();
        let s = stereo_image(&same).unwrap();
        assert!((s.correlation - 1.0).abs() < 1e-9);
        assert_eq!(s.side_to_mid_db, SIDE_TO_MID_FLOOR_DB);
        let apart = MultichannelAudio::from_planar(vec![x.clone(), y], 48_000).unwrap();
        let s = stereo_image(&apart).unwrap();
        assert!(s.correlation.abs() < 0.05 && s.side_to_mid_db.abs() < 0.5);
        let inverted = MultichannelAudio::from_planar(vec![x.clone(), neg], 48_000).unwrap();
        assert!((stereo_image(&inverted).unwrap().correlation + 1.0).abs() < 1e-9);
        let mono = MultichannelAudio::from_planar(vec![x], 48_000).unwrap();
        assert!(stereo_image(&mono).is_none());
    }
}
