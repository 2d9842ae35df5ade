//! Comparing a target with a reference: loudness, peaks, dynamics, stereo,
//! the EQ difference curve, and (with the audio at hand) frame-aligned
//! spectral distances after loudness matching.

use serde::{Deserialize, Serialize};

use super::analysis::{analyze, StyleAnalysis, StyleOptions};
use super::bands::{third_octave_centres, BAND_FLOOR_DB};
use super::spectrum::{
    log_mel_distance, log_mel_spectrogram, multi_resolution_stft_distance, SpectralDistance,
};
use crate::audio::{Audio, MultichannelAudio};
use crate::Result;

/// What differs between a target and a reference.
///
/// Differences read *target minus reference* (a positive LRA difference: the
/// target is more dynamic) except the EQ curve and the gain, which say what
/// to do to the target: *reference minus target*.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleComparison {
    /// Integrated loudness of the target minus the reference, LU.
    pub loudness_error_lu: Option<f64>,
    /// Gain that brings the target to the reference's loudness, dB.
    pub gain_to_match_db: Option<f64>,
    /// Target's highest true peak, dBTP (minus infinity in silence).
    pub target_true_peak_dbtp: f64,
    /// Reference's highest true peak, dBTP.
    pub reference_true_peak_dbtp: f64,
    /// The target's true peak once the matching gain is applied: above the
    /// ceiling, matching needs a limiter.
    pub matched_true_peak_dbtp: Option<f64>,
    /// Target's share of 400 ms blocks over the ceiling.
    pub target_overload_block_ratio: f64,
    /// Reference's share of 400 ms blocks over the ceiling.
    pub reference_overload_block_ratio: f64,
    /// Target's share of samples over the ceiling.
    pub target_overload_sample_ratio: f64,
    /// Reference's share of samples over the ceiling.
    pub reference_overload_sample_ratio: f64,
    /// Loudness range difference, LU.
    pub lra_difference_lu: Option<f64>,
    /// Peak-to-loudness ratio difference, dB.
    pub plr_difference_db: Option<f64>,
    /// Crest factor difference, dB.
    pub crest_factor_difference_db: Option<f64>,
    /// Correlation difference (both stereo only).
    pub correlation_difference: Option<f64>,
    /// Side-to-mid ratio difference, dB (both stereo only).
    pub side_to_mid_difference_db: Option<f64>,
    /// Centres of the bands of [`eq_curve_db`](Self::eq_curve_db), Hz: the
    /// 1/3-octave bands below both signals' Nyquist frequency.
    pub bands_hz: Vec<f32>,
    /// Reference minus target per band, dB, level-free: the offset most
    /// bands share ([`eq_offset_db`](Self::eq_offset_db)) is taken out, so a
    /// shelf reads as the shelf and a gain as nothing. Bands silent in
    /// either signal read 0.
    pub eq_curve_db: Vec<f32>,
    /// The level offset removed from the curve, dB.
    pub eq_offset_db: f32,
    /// Multi-resolution STFT distance after loudness matching (frame
    /// aligned; `None` when compared from stored analyses).
    pub stft_distance: Option<SpectralDistance>,
    /// Mean absolute log-mel difference after loudness matching, dB.
    pub log_mel_distance_db: Option<f64>,
    /// Euclidean distance between the style vectors.
    pub style_distance: f64,
    /// Target and reference sample rates, Hz.
    pub sample_rates: [u32; 2],
    /// Target and reference channel counts.
    pub channels: [usize; 2],
    /// The rate the spectral terms were measured at (the lower of the two).
    pub spectral_rate: u32,
    /// What was done to make the two comparable (resampling, downmixing,
    /// no loudness match for silence).
    pub notes: Vec<String>,
}

/// Robust level offset: the value most band differences cluster around
/// (Gaussian kernel, 0.75 dB wide), refined as the mean within 1 dB of it.
fn shared_offset(diffs: &[f32]) -> f32 {
    if diffs.is_empty() {
        return 0.0;
    }
    let density = |o: f32| -> f32 {
        diffs
            .iter()
            .map(|&d| (-(d - o) * (d - o) / (2.0 * 0.75 * 0.75)).exp())
            .sum()
    };
    let mut best = diffs[0];
    let mut best_density = f32::MIN;
    for &d in diffs {
        let dens = density(d);
        if dens > best_density + 1e-6 || (dens - best_density).abs() <= 1e-6 && d < best {
            best = d;
            best_density = dens;
        }
    }
    let near: Vec<f32> = diffs
        .iter()
        .copied()
        .filter(|d| (d - best).abs() <= 1.0)
        .collect();
    near.iter().sum::<f32>() / near.len().max(1) as f32
}

fn minus(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? - b?)
}

/// Compare two analyses (what a style library can do without the audio):
/// everything but the frame-aligned spectral distances.
pub fn compare_analyses(target: &StyleAnalysis, reference: &StyleAnalysis) -> StyleComparison {
    let (t, r) = (&target.loudness, &reference.loudness);
    let gain = minus(r.integrated_lufs, t.integrated_lufs);
    let valid = target
        .valid_bands()
        .min(reference.valid_bands())
        .min(target.band_levels_db.len())
        .min(reference.band_levels_db.len());
    let live = |l: f32| l > BAND_FLOOR_DB + 10.0;
    let raw: Vec<Option<f32>> = (0..valid)
        .map(|b| {
            let (tl, rl) = (target.band_levels_db[b], reference.band_levels_db[b]);
            (live(tl) && live(rl)).then_some(rl - tl)
        })
        .collect();
    let present: Vec<f32> = raw.iter().flatten().copied().collect();
    let offset = shared_offset(&present);
    let eq_curve_db = raw.iter().map(|d| d.map_or(0.0, |d| d - offset)).collect();
    let mut notes = Vec::new();
    if target.sample_rate != reference.sample_rate {
        notes.push(format!(
            "sample rates differ ({} vs {} Hz): the EQ curve stops at the lower Nyquist frequency",
            target.sample_rate, reference.sample_rate
        ));
    }
    if target.channels != reference.channels {
        notes.push(format!(
            "channel counts differ ({} vs {}): loudness is per layout, spectra are of the mixes",
            target.channels, reference.channels
        ));
    }
    let stereo = target.stereo.zip(reference.stereo);
    let tv = target.style_vector();
    let rv = reference.style_vector();
    let style_distance = tv
        .iter()
        .zip(&rv)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    StyleComparison {
        loudness_error_lu: minus(t.integrated_lufs, r.integrated_lufs),
        gain_to_match_db: gain,
        target_true_peak_dbtp: t.true_peak_dbtp(),
        reference_true_peak_dbtp: r.true_peak_dbtp(),
        matched_true_peak_dbtp: gain
            .map(|g| t.true_peak_dbtp() + g)
            .filter(|v| v.is_finite()),
        target_overload_block_ratio: t.overload.block_ratio,
        reference_overload_block_ratio: r.overload.block_ratio,
        target_overload_sample_ratio: t.overload.sample_ratio,
        reference_overload_sample_ratio: r.overload.sample_ratio,
        lra_difference_lu: minus(t.loudness_range_lu, r.loudness_range_lu),
        plr_difference_db: minus(t.plr_db(), r.plr_db()),
        crest_factor_difference_db: minus(target.crest_factor_db, reference.crest_factor_db),
        correlation_difference: stereo.map(|(a, b)| a.correlation - b.correlation),
        side_to_mid_difference_db: stereo.map(|(a, b)| a.side_to_mid_db - b.side_to_mid_db),
        bands_hz: third_octave_centres()[..valid]
            .iter()
            .map(|&c| c as f32)
            .collect(),
        eq_curve_db,
        eq_offset_db: offset,
        stft_distance: None,
        log_mel_distance_db: None,
        style_distance,
        sample_rates: [target.sample_rate, reference.sample_rate],
        channels: [target.channels, reference.channels],
        spectral_rate: target.sample_rate.min(reference.sample_rate),
        notes,
    }
}

/// Compare two signals: [`compare_analyses`] of their analyses, plus the
/// multi-resolution STFT and log-mel distances of their mono mixes, frame
/// aligned, after matching the target's loudness to the reference's (the
/// spectral terms measure tone, not level). The mix at the higher rate is
/// resampled to the lower. Frame-aligned distances mean most between
/// renderings of the same material (a master and its mix); across different
/// material, read the EQ curve and the style distance.
pub fn compare(
    target: &MultichannelAudio,
    reference: &MultichannelAudio,
    opts: &StyleOptions,
) -> Result<StyleComparison> {
    let ta = analyze(target, opts)?;
    let ra = analyze(reference, opts)?;
    compare_with_analyses(target, &ta, reference, &ra, opts)
}

/// [`compare`] when both analyses are already at hand.
pub fn compare_with_analyses(
    target: &MultichannelAudio,
    target_analysis: &StyleAnalysis,
    reference: &MultichannelAudio,
    reference_analysis: &StyleAnalysis,
    opts: &StyleOptions,
) -> Result<StyleComparison> {
    opts.validate()?;
    let mut cmp = compare_analyses(target_analysis, reference_analysis);
    let rate = target.sample_rate().min(reference.sample_rate());
    let mono = |a: &MultichannelAudio| -> Result<Audio> {
        let m = a.to_mono()?;
        if m.sample_rate() == rate {
            Ok(m)
        } else {
            m.resample(rate)
        }
    };
    let (mut t, r) = (mono(target)?, mono(reference)?);
    if target.sample_rate() != reference.sample_rate() {
        cmp.notes.push(format!(
            "spectral distances measured at {rate} Hz after resampling"
        ));
    }
    if target.num_channels() > 1 || reference.num_channels() > 1 {
        cmp.notes
            .push("spectral distances measured on the mono mixes (LFE left out)".into());
    }
    match cmp.gain_to_match_db {
        Some(g) => {
            let k = 10f32.powf(g as f32 / 20.0);
            let scaled: Vec<f32> = t.samples().iter().map(|s| s * k).collect();
            t = Audio::from_mono(scaled, rate)?;
        }
        None => cmp
            .notes
            .push("one signal is silent: spectral distances without loudness matching".into()),
    }
    cmp.stft_distance = Some(multi_resolution_stft_distance(
        t.samples(),
        r.samples(),
        &opts.resolutions,
    )?);
    let mel_t = log_mel_spectrogram(t.samples(), rate, &opts.mel)?;
    let mel_r = log_mel_spectrogram(r.samples(), rate, &opts.mel)?;
    cmp.log_mel_distance_db = Some(log_mel_distance(&mel_t, &mel_r));
    Ok(cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_offset_ignores_a_shelf() {
        let mut d = vec![-1.2f32; 30];
        for (i, v) in d.iter_mut().take(8).enumerate() {
            *v += 4.0 - i as f32 * 0.4;
        }
        assert!(
            (shared_offset(&d) + 1.2).abs() < 0.05,
            "{}",
            shared_offset(&d)
        );
        assert_eq!(shared_offset(&[]), 0.0);
    }
}
