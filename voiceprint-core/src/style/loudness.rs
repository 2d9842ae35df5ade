//! EBU R128 / ITU-R BS.1770-4 loudness, loudness range (EBU Tech 3342),
//! sample and true peak (BS.1770-4 Annex 2), overloads and clipping, with
//! the `ebur128` crate (the Rust port of libebur128).

use ebur128::{Channel, EbuR128, Mode};
use serde::{Deserialize, Serialize};

use crate::audio::{ChannelPosition, MultichannelAudio};
use crate::{Error, Result};

/// Loudness-curve step: the meter is read every 100 ms.
pub const CURVE_STEP_SECS: f64 = 0.1;

/// Overload figures against a true-peak ceiling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overload {
    /// The ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Share of samples (all channels) whose magnitude exceeds the ceiling.
    pub sample_ratio: f64,
    /// Share of consecutive 400 ms blocks whose true peak exceeds it.
    pub block_ratio: f64,
    /// Number of 400 ms blocks (the last may be shorter).
    pub blocks: usize,
    /// Samples at digital full scale (|x| ≥ 1 − 2⁻¹⁵) in runs of two or more
    /// in one channel: the flat tops of clipping.
    pub clipped_samples: usize,
}

impl Overload {
    /// Whether the input shows clipping.
    pub fn clipped(&self) -> bool {
        self.clipped_samples > 0
    }
}

/// Loudness and peak figures of one signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    /// Gated integrated loudness, LUFS; `None` when nothing passes the
    /// -70 LUFS absolute gate (silence): minus infinity, never NaN.
    pub integrated_lufs: Option<f64>,
    /// Highest momentary (400 ms) loudness, LUFS, read every 100 ms.
    pub momentary_max_lufs: Option<f64>,
    /// Highest short-term (3 s) loudness, LUFS, read every 100 ms.
    pub short_term_max_lufs: Option<f64>,
    /// Loudness range, LU (EBU Tech 3342); `None` with the reason in
    /// [`loudness_range_note`](Self::loudness_range_note).
    pub loudness_range_lu: Option<f64>,
    /// Why there is no loudness range, when there is none.
    pub loudness_range_note: Option<String>,
    /// Sample peak per channel, linear (1.0 is full scale).
    pub sample_peak: Vec<f64>,
    /// True peak per channel (4x oversampled below 96 kHz), linear.
    pub true_peak: Vec<f64>,
    /// Overloads and clipping.
    pub overload: Overload,
    /// Short-term loudness every 100 ms, LUFS (minus infinity in silence).
    #[serde(skip)]
    pub short_term_curve: Vec<f32>,
    /// Momentary loudness every 100 ms, LUFS (minus infinity in silence).
    #[serde(skip)]
    pub momentary_curve: Vec<f32>,
}

/// `20 log10(x)`: dBFS or dBTP of a linear peak; minus infinity for 0.
pub fn to_db(linear: f64) -> f64 {
    20.0 * linear.log10()
}

impl Loudness {
    /// Highest true peak over the channels, dBTP (minus infinity in silence).
    pub fn true_peak_dbtp(&self) -> f64 {
        to_db(self.true_peak.iter().copied().fold(0.0, f64::max))
    }

    /// Highest sample peak over the channels, dBFS.
    pub fn sample_peak_dbfs(&self) -> f64 {
        to_db(self.sample_peak.iter().copied().fold(0.0, f64::max))
    }

    /// Peak-to-loudness ratio (true peak minus integrated loudness), dB;
    /// `None` for silence.
    pub fn plr_db(&self) -> Option<f64> {
        self.integrated_lufs.map(|i| self.true_peak_dbtp() - i)
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn meter_error(e: ebur128::Error) -> Error {
    Error::invalid_argument("audio", format!("loudness meter: {e:?}"))
}

/// BS.1770-4 channel weighting: LFE left out, surrounds at +1.5 dB (1.41),
/// everything else 1.0.
fn meter_channel(position: ChannelPosition, has_sides: bool) -> Channel {
    match position {
        ChannelPosition::Mono | ChannelPosition::FrontLeft => Channel::Left,
        ChannelPosition::FrontRight => Channel::Right,
        ChannelPosition::FrontCenter => Channel::Center,
        ChannelPosition::Lfe => Channel::Unused,
        // In 7.1 the back pair sits at ±135-150°, outside the ±60-120° zone
        // BS.1770-4 weights by 1.41; in 5.1 it is the ±110° surround pair.
        ChannelPosition::BackLeft if has_sides => Channel::Mp135,
        ChannelPosition::BackRight if has_sides => Channel::Mm135,
        ChannelPosition::BackLeft => Channel::LeftSurround,
        ChannelPosition::BackRight => Channel::RightSurround,
        ChannelPosition::SideLeft => Channel::Mp090,
        ChannelPosition::SideRight => Channel::Mm090,
        ChannelPosition::FrontLeftOfCenter => Channel::MpSC,
        ChannelPosition::FrontRightOfCenter => Channel::MmSC,
        ChannelPosition::BackCenter => Channel::Mp180,
    }
}

/// Measure loudness, peaks and overloads of `audio` against `ceiling_dbtp`.
///
/// ```
/// use voiceprint_core::audio::MultichannelAudio;
/// use voiceprint_core::style::measure_loudness;
///
/// // EBU Tech 3341 case 1: a 1 kHz stereo sine at -23 dBFS reads -23 LUFS.
/// let rate = 48_000;
/// let a = 10f32.powf(-23.0 / 20.0);
/// let sine: Vec<f32> = (0..rate * 20)
///     .map(|i| a * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / rate as f32).sin())
///     .collect();
/// let audio = MultichannelAudio::from_planar(vec![sine.clone(), sine], rate as u32)?;
/// let l = measure_loudness(&audio, -1.0)?;
/// assert!((l.integrated_lufs.unwrap() + 23.0).abs() < 0.1);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn measure_loudness(audio: &MultichannelAudio, ceiling_dbtp: f64) -> Result<Loudness> {
    if !ceiling_dbtp.is_finite() {
        return Err(Error::invalid_argument(
            "ceiling_dbtp",
            "must be a finite level in dBTP",
        ));
    }
    let channels = audio.num_channels();
    let rate = audio.sample_rate();
    let mut meter = EbuR128::new(
        channels as u32,
        rate,
        Mode::I | Mode::LRA | Mode::M | Mode::S | Mode::SAMPLE_PEAK | Mode::TRUE_PEAK,
    )
    .map_err(meter_error)?;
    let positions = audio.layout().positions();
    let has_sides = positions.contains(&ChannelPosition::SideLeft);
    for (i, &p) in positions.iter().enumerate() {
        meter
            .set_channel(i as u32, meter_channel(p, has_sides))
            .map_err(meter_error)?;
    }

    let ceiling = 10f64.powf(ceiling_dbtp / 20.0);
    let chunk = (rate as usize / 10).max(1);
    let frames = audio.frames();
    let planes = audio.channels();
    let mut momentary_max = f64::NEG_INFINITY;
    let mut short_term_max = f64::NEG_INFINITY;
    let mut short_term_curve = Vec::with_capacity(frames / chunk + 1);
    let mut momentary_curve = Vec::with_capacity(frames / chunk + 1);
    let (mut blocks, mut blocks_over, mut block_peak, mut chunks_in_block) =
        (0usize, 0usize, 0.0f64, 0);
    let mut start = 0;
    while start < frames {
        let end = (start + chunk).min(frames);
        let slices: Vec<&[f32]> = planes
            .iter()
            .map(|p| p.get(start..end).unwrap_or(&[]))
            .collect();
        meter.add_frames_planar_f32(&slices).map_err(meter_error)?;
        let m = meter.loudness_momentary().map_err(meter_error)?;
        let s = meter.loudness_shortterm().map_err(meter_error)?;
        momentary_max = momentary_max.max(m);
        short_term_max = short_term_max.max(s);
        momentary_curve.push(m as f32);
        short_term_curve.push(s as f32);
        for c in 0..channels {
            block_peak = block_peak.max(meter.prev_true_peak(c as u32).map_err(meter_error)?);
        }
        chunks_in_block += 1;
        if chunks_in_block == 4 || end == frames {
            blocks += 1;
            blocks_over += usize::from(block_peak > ceiling);
            block_peak = 0.0;
            chunks_in_block = 0;
        }
        start = end;
    }

    let integrated = finite(meter.loudness_global().map_err(meter_error)?);
    let duration = audio.duration_secs();
    let (loudness_range_lu, loudness_range_note) = if duration < 3.0 {
        (
            None,
            Some(format!(
                "the audio lasts {duration:.2} s, shorter than the 3 s short-term window the loudness range is built from"
            )),
        )
    } else if integrated.is_none() {
        (
            None,
            Some("no short-term block rises above the -70 LUFS absolute gate (silence)".into()),
        )
    } else {
        (finite(meter.loudness_range().map_err(meter_error)?), None)
    };
    let mut sample_peak = Vec::with_capacity(channels);
    let mut true_peak = Vec::with_capacity(channels);
    for c in 0..channels as u32 {
        sample_peak.push(meter.sample_peak(c).map_err(meter_error)?);
        true_peak.push(meter.true_peak(c).map_err(meter_error)?);
    }

    let ceiling_f32 = ceiling as f32;
    let full_scale = 1.0 - 1.0 / 32_768.0;
    let mut over = 0usize;
    let mut clipped = 0usize;
    for plane in planes {
        over += plane.iter().filter(|s| s.abs() > ceiling_f32).count();
        let mut run = 0usize;
        for s in plane {
            if s.abs() >= full_scale {
                run += 1;
            } else {
                if run >= 2 {
                    clipped += run;
                }
                run = 0;
            }
        }
        if run >= 2 {
            clipped += run;
        }
    }
    let total = (frames * channels).max(1);
    Ok(Loudness {
        integrated_lufs: integrated,
        momentary_max_lufs: finite(momentary_max),
        short_term_max_lufs: finite(short_term_max),
        loudness_range_lu,
        loudness_range_note,
        sample_peak,
        true_peak,
        overload: Overload {
            ceiling_dbtp,
            sample_ratio: over as f64 / total as f64,
            block_ratio: if blocks == 0 {
                0.0
            } else {
                blocks_over as f64 / blocks as f64
            },
            blocks,
            clipped_samples: clipped,
        },
        short_term_curve,
        momentary_curve,
    })
}
