//! [`analyze`]: every style figure of one signal, and its style vector.

use serde::{Deserialize, Serialize};

use super::bands::{band_levels_db, bands_below_nyquist, third_octave_centres, BAND_FLOOR_DB};
use super::dynamics::{rms_dbfs, stereo_image, StereoImage};
use super::loudness::{measure_loudness, Loudness};
use super::spectrum::{default_resolutions, log_mel_spectrogram, MelOptions, StftResolution};
use crate::audio::{ChannelPosition, MultichannelAudio};
use crate::{Error, Result};

/// The style vector's version: the model id of a [`crate::StyleIndex`]'s store.
pub const STYLE_VECTOR_VERSION: &str = "voiceprint-style-v1";

/// Length of [`StyleAnalysis::style_vector`]: 30 band levels, crest factor,
/// PLR, loudness range, correlation, side-to-mid ratio.
pub const STYLE_VECTOR_DIM: usize = 35;

/// Options of the style measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleOptions {
    /// True-peak ceiling of the overload figures, dBTP.
    pub ceiling_dbtp: f64,
    /// The log-mel spectrogram (analysis keeps its mean; comparison its
    /// frame-aligned distance).
    pub mel: MelOptions,
    /// Resolutions of the multi-resolution STFT distance.
    pub resolutions: Vec<StftResolution>,
}

impl Default for StyleOptions {
    /// Ceiling -1 dBTP, 64 mel bins (2048 / 512), STFT sizes 512, 1024, 2048.
    fn default() -> Self {
        StyleOptions {
            ceiling_dbtp: -1.0,
            mel: MelOptions::default(),
            resolutions: default_resolutions(),
        }
    }
}

impl StyleOptions {
    /// Refuses options no measurement can use.
    pub fn validate(&self) -> Result<()> {
        if !self.ceiling_dbtp.is_finite() {
            return Err(Error::invalid_argument("ceiling_dbtp", "must be finite"));
        }
        if self.mel.n_mels == 0 || self.mel.n_mels > 512 {
            return Err(Error::invalid_argument("mel_bins", "must be 1..=512"));
        }
        if self.resolutions.is_empty() {
            return Err(Error::invalid_argument(
                "resolutions",
                "give at least one STFT resolution",
            ));
        }
        Ok(())
    }
}

/// Every style figure of one signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleAnalysis {
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Channels.
    pub channels: usize,
    /// Channel layout, e.g. `"L R"`.
    pub layout: String,
    /// Duration, seconds.
    pub duration_secs: f64,
    /// Loudness, peaks, overloads.
    pub loudness: Loudness,
    /// Sample peak to RMS (channels other than LFE), dB; `None` in silence.
    pub crest_factor_db: Option<f64>,
    /// RMS level, dBFS; `None` in silence.
    pub rms_dbfs: Option<f64>,
    /// Stereo image of the front pair; `None` without one.
    pub stereo: Option<StereoImage>,
    /// Long-term level per 1/3-octave band (see [`third_octave_centres`]),
    /// dBFS, floored at [`BAND_FLOOR_DB`].
    pub band_levels_db: Vec<f32>,
    /// Mean log-mel spectrum of the mono mix, dB (frames of `mel.n_fft`
    /// without overlap).
    pub mel_db_mean: Vec<f32>,
}

impl StyleAnalysis {
    /// Integrated loudness, LUFS (`None`: silence, minus infinity).
    pub fn integrated_lufs(&self) -> Option<f64> {
        self.loudness.integrated_lufs
    }

    /// Peak-to-loudness ratio, dB.
    pub fn plr_db(&self) -> Option<f64> {
        self.loudness.plr_db()
    }

    /// Centre frequencies of [`band_levels_db`](Self::band_levels_db), Hz.
    pub fn bands_hz(&self) -> Vec<f32> {
        third_octave_centres().iter().map(|&c| c as f32).collect()
    }

    /// Bands wholly below this signal's Nyquist frequency (the rest read
    /// the floor).
    pub fn valid_bands(&self) -> usize {
        bands_below_nyquist(self.sample_rate)
    }

    /// The fixed-length style vector, version [`STYLE_VECTOR_VERSION`].
    ///
    /// Level-free by construction: band levels relative to their mean over
    /// the valid bands, clamped to ±30 dB (bands past Nyquist read -30 dB),
    /// octave-smoothed, in units of 3 dB; crest factor, PLR and loudness
    /// range in 1.5 dB units around 12, 12 and 6 dB; correlation × 3 around 0.5;
    /// side-to-mid ratio clamped to [-40, 0] dB in 6 dB units around -20.
    /// Euclidean distance between two vectors is the style distance
    /// [`crate::StyleIndex::nearest`] ranks by.
    pub fn style_vector(&self) -> Vec<f32> {
        let valid = self.valid_bands().min(self.band_levels_db.len());
        let live: Vec<f32> = self.band_levels_db[..valid]
            .iter()
            .copied()
            .filter(|&l| l > BAND_FLOOR_DB)
            .collect();
        let mean = if live.is_empty() {
            0.0
        } else {
            live.iter().sum::<f32>() / live.len() as f32
        };
        let rel: Vec<f32> = (0..self.band_levels_db.len().min(30))
            .map(|i| {
                if i < valid && !live.is_empty() {
                    (self.band_levels_db[i] - mean).clamp(-30.0, 30.0)
                } else {
                    -30.0
                }
            })
            .collect();
        // Octave smoothing (each band with its two neighbours, edges
        // repeated): a style is a broad tonal balance, and single 1/3-octave
        // bands mostly follow the notes being played.
        let mut v = Vec::with_capacity(STYLE_VECTOR_DIM);
        for i in 0..rel.len() {
            let lo = rel[i.saturating_sub(1)];
            let hi = rel[(i + 1).min(rel.len() - 1)];
            v.push((lo + rel[i] + hi) / 9.0);
        }
        v.resize(30, -10.0);
        let unit = |x: Option<f64>, centre: f64, lo: f64, hi: f64| -> f32 {
            x.map_or(0.0, |x| ((x.clamp(lo, hi) - centre) / 1.5) as f32)
        };
        v.push(unit(self.crest_factor_db, 12.0, 0.0, 40.0));
        v.push(unit(self.plr_db(), 12.0, 0.0, 40.0));
        v.push(unit(self.loudness.loudness_range_lu, 6.0, 0.0, 30.0));
        let (corr, s2m) = self
            .stereo
            .map_or((1.0, -40.0), |s| (s.correlation, s.side_to_mid_db));
        v.push(((corr - 0.5) * 3.0) as f32);
        v.push(((s2m.clamp(-40.0, 0.0) + 20.0) / 6.0) as f32);
        v
    }
}

/// Measure everything [`StyleAnalysis`] holds.
///
/// ```
/// use voiceprint_core::audio::MultichannelAudio;
/// use voiceprint_core::style::{analyze, StyleOptions};
///
/// let silence = MultichannelAudio::from_planar(vec![vec![0.0; 48_000]; 2], 48_000)?;
/// let a = analyze(&silence, &StyleOptions::default())?;
/// assert_eq!(a.integrated_lufs(), None); // minus infinity, never NaN
/// assert!(a.loudness.loudness_range_note.is_some()); // 1 s: no LRA, and why
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn analyze(audio: &MultichannelAudio, opts: &StyleOptions) -> Result<StyleAnalysis> {
    opts.validate()?;
    let loudness = measure_loudness(audio, opts.ceiling_dbtp)?;
    let rms = rms_dbfs(audio);
    let rms_dbfs = rms.is_finite().then_some(rms);
    let peak = audio
        .channels()
        .iter()
        .zip(audio.layout().positions())
        .filter(|(_, &p)| p != ChannelPosition::Lfe)
        .flat_map(|(c, _)| c.iter())
        .fold(0.0f32, |m, s| m.max(s.abs()));
    let crest_factor_db = rms_dbfs.map(|r| 20.0 * f64::from(peak).log10() - r);
    let planes: Vec<&[f32]> = audio
        .channels()
        .iter()
        .zip(audio.layout().positions())
        .filter(|(_, &p)| p != ChannelPosition::Lfe)
        .map(|(c, _)| c.as_slice())
        .collect();
    let planes = if planes.is_empty() {
        audio.channels().iter().map(Vec::as_slice).collect()
    } else {
        planes
    };
    let band_levels_db = band_levels_db(&planes, audio.sample_rate())?;
    let mono = audio.to_mono()?;
    // A mean needs no overlapping frames: hop = n_fft, a quarter of the
    // work of the comparison's frame-aligned hop.
    let mean_opts = MelOptions {
        hop: opts.mel.n_fft,
        ..opts.mel.clone()
    };
    let mel = log_mel_spectrogram(mono.samples(), audio.sample_rate(), &mean_opts)?;
    let frames = mel.nrows().max(1) as f32;
    let mel_db_mean = mel
        .columns()
        .into_iter()
        .map(|c| c.sum() / frames)
        .collect();
    Ok(StyleAnalysis {
        sample_rate: audio.sample_rate(),
        channels: audio.num_channels(),
        layout: audio.layout().to_string(),
        duration_secs: audio.duration_secs(),
        loudness,
        crest_factor_db,
        rms_dbfs,
        stereo: stereo_image(audio),
        band_levels_db,
        mel_db_mean,
    })
}
