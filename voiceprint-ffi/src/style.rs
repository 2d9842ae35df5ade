//! Mix and master style: `vp_style_analysis` (loudness, true peak,
//! dynamics, stereo image, spectrum of one signal), `vp_style_comparison`
//! (a target against a reference) and `vp_style_index` (a library of
//! reference styles searched for the nearest). Mirrors core's
//! `StyleOptions`, `StyleAnalysis`, `StyleComparison`, `StyleMatcher`,
//! `StyleIndex` and `StyleMatch`, as the Python `voiceprint.analyze`,
//! `StyleMatcher.compare` and `StyleIndex.add` / `nearest` do.
//!
//! Figures core may not have are spelled one way throughout: a level
//! (LUFS, dBTP, dBFS) reads `-INFINITY` when absent (silence), never NaN;
//! any other figure (a range, a ratio, a difference, a distance) comes with
//! a `has_*` flag and reads NaN when the flag is false.

use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CString};
use std::path::Path;
use std::sync::Arc;

use voiceprint_core::audio::{DecodeOptions, MultichannelAudio};
use voiceprint_core::store::{SqliteStore, VectorStore};
use voiceprint_core::style::{
    MelOptions, StyleAnalysis, StyleComparison, StyleOptions, CURVE_STEP_SECS,
};
use voiceprint_core::{Error, StyleIndex, StyleInput, StyleMatch, StyleMatcher};

use crate::args::{opt_out_arg, opt_str_arg, out_arg, ref_arg, slice_arg, str_arg};
use crate::diarizer::CProgress;
use crate::error::{ffi_call, ffi_get, FfiResult};
use crate::owned::Owned;
use crate::status::vp_status;
use crate::strings::{c_string, string_list_into_raw, vp_string_list};

/// How style figures are measured. Start from `vp_style_options_default()`
/// and change fields; functions taking a `const vp_style_options *` also
/// accept NULL for the defaults.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_style_options {
    /// True-peak ceiling the overload figures count against, dBTP (-1,
    /// the EBU R128 streaming ceiling); finite.
    pub ceiling_dbtp: f64,
    /// Bins of the log-mel spectrum (64, Slaney scale as librosa), 1..=512.
    pub mel_bins: usize,
}

/// The default style options (core's: ceiling -1 dBTP, 64 mel bins).
/// Thread-safe.
#[no_mangle]
pub extern "C" fn vp_style_options_default() -> vp_style_options {
    let d = StyleOptions::default();
    vp_style_options {
        ceiling_dbtp: d.ceiling_dbtp,
        mel_bins: d.mel.n_mels,
    }
}

/// A matcher with `opts` (NULL: the defaults), checked by core, and the
/// default decoding limits.
///
/// # Safety
/// `opts` is NULL or points to a valid `vp_style_options`.
unsafe fn matcher_arg(opts: *const vp_style_options) -> FfiResult<StyleMatcher> {
    // SAFETY: forwarded contract of this function.
    let options = match unsafe { opts.as_ref() } {
        Some(o) => StyleOptions {
            ceiling_dbtp: o.ceiling_dbtp,
            mel: MelOptions {
                n_mels: o.mel_bins,
                ..MelOptions::default()
            },
            ..StyleOptions::default()
        },
        None => StyleOptions::default(),
    };
    Ok(StyleMatcher::new(options, DecodeOptions::default())?)
}

/// A level of core's (`None`: silence) as C reads it: minus infinity.
fn level(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NEG_INFINITY)
}

/// Any other optional figure as C reads it: a flag and the value, NaN
/// without one.
fn flagged(v: Option<f64>) -> (bool, f64) {
    (v.is_some(), v.unwrap_or(f64::NAN))
}

/// Overload figures against the true-peak ceiling.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_style_overload {
    /// The ceiling, dBTP (the options' `ceiling_dbtp`).
    pub ceiling_dbtp: f64,
    /// Share of samples (all channels) whose magnitude exceeds the ceiling, in [0, 1].
    pub sample_ratio: f64,
    /// Share of consecutive 400 ms blocks whose true peak exceeds it, in [0, 1].
    pub block_ratio: f64,
    /// Number of 400 ms blocks (the last may be shorter).
    pub blocks: usize,
    /// Samples at digital full scale (|x| >= 1 - 2^-15) in runs of two or
    /// more in one channel: the flat tops of clipping.
    pub clipped_samples: usize,
    /// Whether the input shows clipping (`clipped_samples > 0`).
    pub clipped: bool,
}

/// Every style figure of one signal: what a mastering engineer's meter
/// reads (EBU R128 / ITU-R BS.1770-4 loudness, EBU Tech 3342 loudness
/// range, true peak) and the long-term spectrum. Levels read `-INFINITY`
/// in silence, never NaN.
///
/// Owned by the library: read it, do not modify it, free it with
/// `vp_style_analysis_free` (every array and string inside goes with it).
/// It may be read by several threads at once.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_style_analysis {
    /// Sample rate, Hz (the file's; nothing is resampled).
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: usize,
    /// NUL-terminated channel layout, the channel positions in order, e.g.
    /// `"L R"` or `"L R C LFE Ls Rs"`.
    pub layout: *const c_char,
    /// Duration, seconds.
    pub duration_secs: f64,
    /// Gated integrated loudness, LUFS; `-INFINITY` when nothing passes the
    /// -70 LUFS absolute gate (silence).
    pub integrated_lufs: f64,
    /// Highest momentary (400 ms) loudness, read every 100 ms, LUFS;
    /// `-INFINITY` in silence.
    pub momentary_max_lufs: f64,
    /// Highest short-term (3 s) loudness, read every 100 ms, LUFS;
    /// `-INFINITY` in silence.
    pub short_term_max_lufs: f64,
    /// Whether there is a loudness range (EBU Tech 3342).
    pub has_loudness_range: bool,
    /// Loudness range, LU; NaN when `has_loudness_range` is false.
    pub loudness_range_lu: f64,
    /// NUL-terminated reason there is no loudness range (too short,
    /// silent, ...); NULL when there is one.
    pub loudness_range_note: *const c_char,
    /// Highest true peak over the channels (4x oversampled below 96 kHz),
    /// dBTP; `-INFINITY` in digital silence.
    pub true_peak_dbtp: f64,
    /// Highest sample peak over the channels, dBFS; `-INFINITY` in digital silence.
    pub sample_peak_dbfs: f64,
    /// True peak per channel, linear (1.0 is full scale), `channels` values.
    pub true_peak: *const f64,
    /// Sample peak per channel, linear, `channels` values.
    pub sample_peak: *const f64,
    /// Whether there is a peak-to-loudness ratio (not in silence).
    pub has_plr: bool,
    /// Peak-to-loudness ratio (true peak minus integrated loudness), dB;
    /// NaN when `has_plr` is false.
    pub plr_db: f64,
    /// Whether there is a crest factor (not in silence).
    pub has_crest_factor: bool,
    /// Sample peak to RMS over the channels other than LFE, dB; NaN when
    /// `has_crest_factor` is false.
    pub crest_factor_db: f64,
    /// RMS level over the channels other than LFE, dBFS; `-INFINITY` in
    /// digital silence.
    pub rms_dbfs: f64,
    /// Overloads and clipping.
    pub overload: vp_style_overload,
    /// Whether the layout has a front left/right pair (stereo image below).
    pub has_stereo: bool,
    /// Correlation of the front pair: 1 mono, 0 unrelated, -1 polarity
    /// inverted (0 when a channel is silent); NaN without `has_stereo`.
    pub correlation: f64,
    /// Side-to-mid energy of the front pair, dB (how wide the mix is,
    /// floored at -100); NaN without `has_stereo`.
    pub side_to_mid_db: f64,
    /// Number of 1/3-octave bands in `bands_hz` and `band_levels_db`.
    pub band_count: usize,
    /// Centre frequencies of the bands, Hz (base-10 1/3 octaves, nominal 25 Hz to 20 kHz).
    pub bands_hz: *const f32,
    /// Long-term level per band, dBFS, floored at -150 (digital silence;
    /// bands above the Nyquist frequency read the floor).
    pub band_levels_db: *const f32,
    /// Number of values in `mel_db_mean` (the options' `mel_bins`).
    pub mel_bins: usize,
    /// Mean log-mel spectrum of the mono mix, dB.
    pub mel_db_mean: *const f32,
    /// Number of values in each loudness curve.
    pub curve_len: usize,
    /// Time between curve values, seconds (0.1).
    pub curve_step_secs: f64,
    /// Short-term loudness every `curve_step_secs`, LUFS (`-INFINITY` in silence).
    pub short_term_curve: *const f32,
    /// Momentary loudness every `curve_step_secs`, LUFS (`-INFINITY` in silence).
    pub momentary_curve: *const f32,
}

/// What a `vp_style_analysis`'s pointers point into. Core's vectors are
/// moved here whole: their buffers do not move.
struct AnalysisKeep {
    _analysis: StyleAnalysis,
    _bands_hz: Vec<f32>,
    _texts: Vec<CString>,
}

/// Moves core's analysis into a library-owned `vp_style_analysis`.
fn analysis_into_raw(a: StyleAnalysis) -> *mut vp_style_analysis {
    let l = &a.loudness;
    let bands_hz = a.bands_hz();
    let layout = c_string(a.layout.as_str());
    let note = l.loudness_range_note.as_deref().map(c_string);
    let (has_loudness_range, loudness_range_lu) = flagged(l.loudness_range_lu);
    let (has_plr, plr_db) = flagged(a.plr_db());
    let (has_crest_factor, crest_factor_db) = flagged(a.crest_factor_db);
    let public = vp_style_analysis {
        sample_rate: a.sample_rate,
        channels: a.channels,
        layout: layout.as_ptr(),
        duration_secs: a.duration_secs,
        integrated_lufs: level(l.integrated_lufs),
        momentary_max_lufs: level(l.momentary_max_lufs),
        short_term_max_lufs: level(l.short_term_max_lufs),
        has_loudness_range,
        loudness_range_lu,
        loudness_range_note: note.as_ref().map_or(std::ptr::null(), |n| n.as_ptr()),
        true_peak_dbtp: l.true_peak_dbtp(),
        sample_peak_dbfs: l.sample_peak_dbfs(),
        true_peak: l.true_peak.as_ptr(),
        sample_peak: l.sample_peak.as_ptr(),
        has_plr,
        plr_db,
        has_crest_factor,
        crest_factor_db,
        rms_dbfs: level(a.rms_dbfs),
        overload: vp_style_overload {
            ceiling_dbtp: l.overload.ceiling_dbtp,
            sample_ratio: l.overload.sample_ratio,
            block_ratio: l.overload.block_ratio,
            blocks: l.overload.blocks,
            clipped_samples: l.overload.clipped_samples,
            clipped: l.overload.clipped(),
        },
        has_stereo: a.stereo.is_some(),
        correlation: a.stereo.map_or(f64::NAN, |s| s.correlation),
        side_to_mid_db: a.stereo.map_or(f64::NAN, |s| s.side_to_mid_db),
        band_count: a.band_levels_db.len().min(bands_hz.len()),
        bands_hz: bands_hz.as_ptr(),
        band_levels_db: a.band_levels_db.as_ptr(),
        mel_bins: a.mel_db_mean.len(),
        mel_db_mean: a.mel_db_mean.as_ptr(),
        curve_len: l.short_term_curve.len().min(l.momentary_curve.len()),
        curve_step_secs: CURVE_STEP_SECS,
        short_term_curve: l.short_term_curve.as_ptr(),
        momentary_curve: l.momentary_curve.as_ptr(),
    };
    let keep = AnalysisKeep {
        _analysis: a,
        _bands_hz: bands_hz,
        _texts: std::iter::once(layout).chain(note).collect(),
    };
    Owned::into_raw(public, keep)
}

/// Writes the analysis `analyze` makes through `out` (NULL first, so a
/// failure leaves NULL behind).
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn analysis_out(
    out: *mut *mut vp_style_analysis,
    analyze: impl FnOnce() -> FfiResult<StyleAnalysis>,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    *out = analysis_into_raw(analyze()?);
    Ok(())
}

/// Every style figure of the audio file at `path` (WAV, FLAC, MP3, OGG,
/// M4A; every channel kept at the file's rate). `opts` may be NULL for
/// the defaults. Silence is not an error: its levels read `-INFINITY`.
///
/// On success `*out` is a new `vp_style_analysis` to free with
/// `vp_style_analysis_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_IO`, `VP_STATUS_UNSUPPORTED_FORMAT` (not audio, or a
/// channel layout past 7.1), `VP_STATUS_CORRUPT_INPUT`,
/// `VP_STATUS_EMPTY_INPUT`, `VP_STATUS_INPUT_TOO_LARGE`,
/// `VP_STATUS_AUDIO_TOO_LONG`, `VP_STATUS_INVALID_ARGUMENT` (bad options),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `opts` is NULL or valid; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_analyze_file(
    path: *const c_char,
    opts: *const vp_style_options,
    out: *mut *mut vp_style_analysis,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            analysis_out(out, || {
                let path = str_arg(path, "path")?;
                let matcher = matcher_arg(opts)?;
                Ok(matcher.analyze(StyleInput::Path(Path::new(path)))?)
            })
        }
    })
}

/// Every style figure of `frames` frames of interleaved float PCM
/// (`L R L R ...`, full scale +-1.0) of `channels` channels at
/// `sample_rate` Hz, in the usual layout for that count (1 mono, 2 stereo,
/// ... 6 for 5.1, 8 for 7.1). `opts` may be NULL for the defaults. The
/// buffer is only read during the call.
///
/// On success `*out` is a new `vp_style_analysis` to free with
/// `vp_style_analysis_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_UNSUPPORTED_FORMAT` (`channels` 0 or more than 8),
/// `VP_STATUS_EMPTY_INPUT` (`frames` 0), `VP_STATUS_INVALID_SAMPLE_RATE`,
/// `VP_STATUS_NON_FINITE_SAMPLES`, `VP_STATUS_INVALID_ARGUMENT` (bad
/// options, a buffer too large or misaligned), `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `interleaved` is NULL or points to `frames * channels` floats; `opts`
/// is NULL or valid; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_analyze_pcm(
    interleaved: *const f32,
    frames: usize,
    channels: u32,
    sample_rate: u32,
    opts: *const vp_style_options,
    out: *mut *mut vp_style_analysis,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            analysis_out(out, || {
                let matcher = matcher_arg(opts)?;
                let len = frames.checked_mul(channels as usize).ok_or_else(|| {
                    Error::invalid_argument(
                        "frames",
                        format!("{frames} frames of {channels} channels is too many"),
                    )
                })?;
                let samples = slice_arg(interleaved, len, "interleaved")?;
                let audio =
                    MultichannelAudio::from_interleaved(samples, channels as usize, sample_rate)?;
                Ok(matcher.analyze(StyleInput::Audio(&audio))?)
            })
        }
    })
}

/// Frees an analysis returned by the library. NULL is a no-op.
///
/// # Safety
/// `analysis` is NULL or an analysis returned by the library, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_style_analysis_free(analysis: *mut vp_style_analysis) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `analysis_into_raw`.
        unsafe { Owned::<vp_style_analysis, AnalysisKeep>::free(analysis) };
        Some(())
    })
}

/// What differs between a target and a reference. Differences read
/// *target minus reference* (a positive `lra_difference_lu`: the target is
/// more dynamic) except the EQ curve and the gain, which say what to do to
/// the target: *reference minus target*.
///
/// Owned by the library: read it, do not modify it. One returned by
/// `vp_style_compare_files` is freed with `vp_style_comparison_free`; one
/// inside a `vp_style_matches` goes with the matches. It may be read by
/// several threads at once.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_style_comparison {
    /// Whether both signals have an integrated loudness (neither is silent).
    pub has_loudness_error: bool,
    /// Integrated loudness of the target minus the reference, LU; NaN
    /// without `has_loudness_error`.
    pub loudness_error_lu: f64,
    /// Whether there is a gain to match (neither signal is silent).
    pub has_gain_to_match: bool,
    /// Gain that brings the target to the reference's loudness, dB; NaN
    /// without `has_gain_to_match`.
    pub gain_to_match_db: f64,
    /// Target's highest true peak, dBTP; `-INFINITY` in silence.
    pub target_true_peak_dbtp: f64,
    /// Reference's highest true peak, dBTP; `-INFINITY` in silence.
    pub reference_true_peak_dbtp: f64,
    /// The target's true peak once the matching gain is applied, dBTP:
    /// above the ceiling, matching needs a limiter. `-INFINITY` when there
    /// is no gain to match.
    pub matched_true_peak_dbtp: f64,
    /// Target's share of 400 ms blocks over the ceiling.
    pub target_overload_block_ratio: f64,
    /// Reference's share of 400 ms blocks over the ceiling.
    pub reference_overload_block_ratio: f64,
    /// Target's share of samples over the ceiling.
    pub target_overload_sample_ratio: f64,
    /// Reference's share of samples over the ceiling.
    pub reference_overload_sample_ratio: f64,
    /// Whether both signals have a loudness range.
    pub has_lra_difference: bool,
    /// Loudness range difference, LU; NaN without `has_lra_difference`.
    pub lra_difference_lu: f64,
    /// Whether both signals have a peak-to-loudness ratio.
    pub has_plr_difference: bool,
    /// Peak-to-loudness ratio difference, dB; NaN without `has_plr_difference`.
    pub plr_difference_db: f64,
    /// Whether both signals have a crest factor.
    pub has_crest_factor_difference: bool,
    /// Crest factor difference, dB; NaN without `has_crest_factor_difference`.
    pub crest_factor_difference_db: f64,
    /// Whether both signals have a front left/right pair (the two stereo
    /// differences below).
    pub has_stereo: bool,
    /// Correlation difference; NaN without `has_stereo`.
    pub correlation_difference: f64,
    /// Side-to-mid ratio difference, dB; NaN without `has_stereo`.
    pub side_to_mid_difference_db: f64,
    /// Number of bands in `bands_hz` and `eq_curve_db`: the 1/3-octave
    /// bands below both signals' Nyquist frequency.
    pub band_count: usize,
    /// Centre frequencies of the bands, Hz.
    pub bands_hz: *const f32,
    /// Reference minus target per band, dB, level-free: the offset most
    /// bands share (`eq_offset_db`) is taken out, so a shelf reads as the
    /// shelf and a gain as nothing. Bands silent in either signal read 0.
    pub eq_curve_db: *const f32,
    /// The level offset removed from the curve, dB.
    pub eq_offset_db: f32,
    /// Whether the multi-resolution STFT distance was measured (it needs
    /// both signals' audio: not in a `vp_style_index_nearest_file` match).
    pub has_stft_distance: bool,
    /// STFT spectral convergence after loudness matching (0 for equal
    /// magnitudes); NaN without `has_stft_distance`.
    pub spectral_convergence: f64,
    /// Mean STFT log-magnitude difference after loudness matching; NaN
    /// without `has_stft_distance`.
    pub log_magnitude_l1: f64,
    /// Whether the log-mel distance was measured (as `has_stft_distance`).
    pub has_log_mel_distance: bool,
    /// Mean absolute log-mel difference after loudness matching, dB; NaN
    /// without `has_log_mel_distance`.
    pub log_mel_distance_db: f64,
    /// Euclidean distance between the two style vectors (0: the same
    /// style), what `vp_style_index_nearest_file` ranks by.
    pub style_distance: f64,
    /// Sample rates, Hz: `[0]` the target's, `[1]` the reference's.
    pub sample_rates: [u32; 2],
    /// Channel counts: `[0]` the target's, `[1]` the reference's.
    pub channels: [usize; 2],
    /// The rate the spectral terms were measured at (the lower of the two), Hz.
    pub spectral_rate: u32,
    /// `num_notes` NUL-terminated notes on what was done to make the two
    /// comparable (resampling, downmixing, no loudness match for silence).
    pub notes: *const *const c_char,
    /// Number of notes.
    pub num_notes: usize,
}

/// What a `vp_style_comparison`'s pointers point into.
struct ComparisonKeep {
    _comparison: StyleComparison,
    _notes: Vec<*const c_char>,
    _texts: Vec<CString>,
}

/// The C view of core's comparison and what its pointers point into; the
/// view stays valid wherever the two are moved (the buffers do not move).
fn comparison_parts(c: StyleComparison) -> (vp_style_comparison, ComparisonKeep) {
    let texts: Vec<CString> = c.notes.iter().map(|n| c_string(n.as_str())).collect();
    let notes: Vec<*const c_char> = texts.iter().map(|t| t.as_ptr()).collect();
    let (has_loudness_error, loudness_error_lu) = flagged(c.loudness_error_lu);
    let (has_gain_to_match, gain_to_match_db) = flagged(c.gain_to_match_db);
    let (has_lra_difference, lra_difference_lu) = flagged(c.lra_difference_lu);
    let (has_plr_difference, plr_difference_db) = flagged(c.plr_difference_db);
    let (has_crest_factor_difference, crest_factor_difference_db) =
        flagged(c.crest_factor_difference_db);
    let (has_log_mel_distance, log_mel_distance_db) = flagged(c.log_mel_distance_db);
    let public = vp_style_comparison {
        has_loudness_error,
        loudness_error_lu,
        has_gain_to_match,
        gain_to_match_db,
        target_true_peak_dbtp: c.target_true_peak_dbtp,
        reference_true_peak_dbtp: c.reference_true_peak_dbtp,
        matched_true_peak_dbtp: level(c.matched_true_peak_dbtp),
        target_overload_block_ratio: c.target_overload_block_ratio,
        reference_overload_block_ratio: c.reference_overload_block_ratio,
        target_overload_sample_ratio: c.target_overload_sample_ratio,
        reference_overload_sample_ratio: c.reference_overload_sample_ratio,
        has_lra_difference,
        lra_difference_lu,
        has_plr_difference,
        plr_difference_db,
        has_crest_factor_difference,
        crest_factor_difference_db,
        has_stereo: c.correlation_difference.is_some() && c.side_to_mid_difference_db.is_some(),
        correlation_difference: c.correlation_difference.unwrap_or(f64::NAN),
        side_to_mid_difference_db: c.side_to_mid_difference_db.unwrap_or(f64::NAN),
        band_count: c.bands_hz.len().min(c.eq_curve_db.len()),
        bands_hz: c.bands_hz.as_ptr(),
        eq_curve_db: c.eq_curve_db.as_ptr(),
        eq_offset_db: c.eq_offset_db,
        has_stft_distance: c.stft_distance.is_some(),
        spectral_convergence: c
            .stft_distance
            .as_ref()
            .map_or(f64::NAN, |d| d.spectral_convergence),
        log_magnitude_l1: c
            .stft_distance
            .as_ref()
            .map_or(f64::NAN, |d| d.log_magnitude_l1),
        has_log_mel_distance,
        log_mel_distance_db,
        style_distance: c.style_distance,
        sample_rates: c.sample_rates,
        channels: c.channels,
        spectral_rate: c.spectral_rate,
        notes: notes.as_ptr(),
        num_notes: notes.len(),
    };
    let keep = ComparisonKeep {
        _comparison: c,
        _notes: notes,
        _texts: texts,
    };
    (public, keep)
}

/// Compares the audio file `target` with the audio file `reference`:
/// loudness, peaks, dynamics, stereo image, the EQ curve, and the
/// frame-aligned spectral distances of their mono mixes after loudness
/// matching (the higher rate resampled to the lower). `opts` may be NULL
/// for the defaults.
///
/// On success `*out` is a new `vp_style_comparison` to free with
/// `vp_style_comparison_free`; on failure `*out` is NULL.
///
/// Errors: the file errors of `vp_style_analyze_file` (for either file),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `target` and `reference` are NULL or NUL-terminated; `opts` is NULL or
/// valid; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_compare_files(
    target: *const c_char,
    reference: *const c_char,
    opts: *const vp_style_options,
    out: *mut *mut vp_style_comparison,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let target = unsafe { str_arg(target, "target") }?;
        // SAFETY: as above.
        let reference = unsafe { str_arg(reference, "reference") }?;
        // SAFETY: as above.
        let matcher = unsafe { matcher_arg(opts) }?;
        let c = matcher.compare(
            StyleInput::Path(Path::new(target)),
            StyleInput::Path(Path::new(reference)),
        )?;
        let (public, keep) = comparison_parts(c);
        *out = Owned::into_raw(public, keep);
        Ok(())
    })
}

/// Frees a comparison returned by `vp_style_compare_files`. NULL is a
/// no-op. (The comparisons of a `vp_style_matches` are freed with it.)
///
/// # Safety
/// `comparison` is NULL or a comparison returned by
/// `vp_style_compare_files`, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_style_comparison_free(comparison: *mut vp_style_comparison) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from
        // `Owned::into_raw` in `vp_style_compare_files`.
        unsafe { Owned::<vp_style_comparison, ComparisonKeep>::free(comparison) };
        Some(())
    })
}

/// A library of reference styles: one style vector per reference (bound
/// to the style vector's version), each with its analysis, in memory or
/// in a SQLite file; searched for the references nearest in style.
///
/// Thread safety: every function taking a `const vp_style_index *` may be
/// called from many threads at once on the same handle (adds and removes
/// are serialised inside). Only `vp_style_index_free` needs exclusive use.
#[allow(non_camel_case_types)]
pub struct vp_style_index {
    inner: StyleIndex,
}

/// Makes a style index measuring with `opts` (NULL: the defaults): in
/// memory when `sqlite_path` is NULL, else durable in the SQLite file at
/// `sqlite_path` (created if absent; reopened with its references if
/// present).
///
/// On success `*out` is a new handle to free with `vp_style_index_free`;
/// on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_MISMATCH` / `VP_STATUS_DIMENSION_MISMATCH`
/// (the file holds speaker or image vectors, or another style version),
/// `VP_STATUS_STORE`, `VP_STATUS_IO`, `VP_STATUS_INVALID_ARGUMENT` (bad
/// options), `VP_STATUS_INVALID_UTF8`, `VP_STATUS_NULL_POINTER` (`out`).
///
/// # Safety
/// `sqlite_path` is NULL or NUL-terminated; `opts` is NULL or valid;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_new(
    sqlite_path: *const c_char,
    opts: *const vp_style_options,
    out: *mut *mut vp_style_index,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let path = unsafe { opt_str_arg(sqlite_path, "sqlite_path") }?;
        // SAFETY: as above.
        let matcher = unsafe { matcher_arg(opts) }?;
        let inner = match path {
            None => StyleIndex::in_memory(matcher),
            Some(path) => {
                let store: Arc<dyn VectorStore> = Arc::new(SqliteStore::create_or_open(
                    path,
                    StyleIndex::MODEL_ID,
                    StyleIndex::STORE_DIM,
                )?);
                StyleIndex::new(matcher, store)?
            }
        };
        *out = Box::into_raw(Box::new(vp_style_index { inner }));
        Ok(())
    })
}

/// Frees a style index. NULL is a no-op; a SQLite file is closed.
///
/// # Safety
/// `index` is NULL or a live handle not freed yet, not in use by any thread.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_free(index: *mut vp_style_index) {
    ffi_get((), || {
        if !index.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_style_index_new` and is freed only once.
            drop(unsafe { Box::from_raw(index) });
        }
        Some(())
    })
}

/// Analyses the audio file at `path` and adds it as reference `id`,
/// replacing any reference stored under `id` (the file's path is kept as
/// its `source` label).
///
/// Errors: `VP_STATUS_EMPTY_INPUT` (a silent reference has no style),
/// `VP_STATUS_INVALID_ID`, the file errors of `vp_style_analyze_file`,
/// `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` and `path` are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_add_file(
    index: *const vp_style_index,
    id: *const c_char,
    path: *const c_char,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let id = unsafe { str_arg(id, "id") }?;
        // SAFETY: as above.
        let path = unsafe { str_arg(path, "path") }?;
        index
            .inner
            .add(id, StyleInput::Path(Path::new(path)), BTreeMap::new())?;
        Ok(())
    })
}

/// Adds every audio file of the folder `dir` (not recursing) as a
/// reference named by its file stem. Files that do not decode are skipped:
/// on success `*skipped` (if `skipped` is not NULL) is a new
/// `vp_string_list` of `"path: error"` lines, to free with
/// `vp_string_list_free`. `progress` (NULL for none) is called with the
/// fraction done after each file, on the calling thread, before this
/// returns; returning false stops (`VP_STATUS_CANCELLED`), keeping the
/// references added so far.
///
/// Errors: `VP_STATUS_IO` (the folder cannot be read), `VP_STATUS_STORE`,
/// `VP_STATUS_CANCELLED`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `dir` is NULL or NUL-terminated; `progress` is
/// NULL or a function of that type; `skipped` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_add_folder(
    index: *const vp_style_index,
    dir: *const c_char,
    progress: Option<unsafe extern "C" fn(fraction: f32, user_data: *mut c_void) -> bool>,
    user_data: *mut c_void,
    skipped: *mut *mut vp_string_list,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let skipped = unsafe { opt_out_arg(skipped) };
        let skipped = skipped.map(|s| {
            *s = std::ptr::null_mut();
            s
        });
        // SAFETY: as above.
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let dir = unsafe { str_arg(dir, "dir") }?;
        let callback = progress.map(|callback| CProgress {
            callback,
            user_data,
        });
        let report = callback.as_ref().map(|p| move |f: f32| p.report(f));
        let lines = index.inner.add_folder(
            Path::new(dir),
            report.as_ref().map(|r| r as &(dyn Fn(f32) -> bool + Sync)),
        )?;
        if let Some(s) = skipped {
            *s = string_list_into_raw(
                lines
                    .into_iter()
                    .map(|(path, err)| format!("{path}: {err}"))
                    .collect(),
            );
        }
        Ok(())
    })
}

/// All reference ids, sorted. On success `*out` is a new `vp_string_list`
/// to free with `vp_string_list_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `index` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_list(
    index: *const vp_style_index,
    out: *mut *mut vp_string_list,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let index = unsafe { ref_arg(index, "index") }?;
        *out = string_list_into_raw(index.inner.list()?);
        Ok(())
    })
}

/// Removes reference `id`. `*existed` (if `existed` is not NULL) says
/// whether it was there; removing an unknown id is not an error.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated; `existed` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_remove(
    index: *const vp_style_index,
    id: *const c_char,
    existed: *mut bool,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let id = unsafe { str_arg(id, "id") }?;
        let was = index.inner.remove(id)?;
        // SAFETY: as above.
        if let Some(e) = unsafe { opt_out_arg(existed) } {
            *e = was;
        }
        Ok(())
    })
}

/// Number of references into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `index` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_len(
    index: *const vp_style_index,
    out: *mut usize,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let index = unsafe { ref_arg(index, "index") }?;
        *out = index.inner.len();
        Ok(())
    })
}

/// One hit of `vp_style_index_nearest_file`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_style_match {
    /// NUL-terminated reference id.
    pub id: *const c_char,
    /// Euclidean distance between the style vectors (0: the same style).
    pub distance: f64,
    /// The target compared with this reference (from its stored analysis:
    /// no STFT or log-mel distance) when asked for; NULL otherwise. Owned
    /// by the matches: not to be freed on its own.
    pub comparison: *const vp_style_comparison,
}

/// The references nearest in style to a target, nearest first. Owned by
/// the library: read it, do not modify it, free it (comparisons included)
/// with `vp_style_matches_free`. It may be read by several threads at once.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_style_matches {
    /// `len` matches, nearest first (at most the `k` asked for).
    pub items: *const vp_style_match,
    /// Number of matches.
    pub len: usize,
}

/// What a `vp_style_matches`'s pointers point into. Each comparison view
/// is boxed so that its address stays put.
struct MatchesKeep {
    _items: Vec<vp_style_match>,
    _ids: Vec<CString>,
    _comparisons: Vec<(Box<vp_style_comparison>, ComparisonKeep)>,
}

/// Moves core's matches into a library-owned `vp_style_matches`.
fn matches_into_raw(found: Vec<StyleMatch>) -> *mut vp_style_matches {
    let mut ids = Vec::with_capacity(found.len());
    let mut comparisons = Vec::new();
    let mut items = Vec::with_capacity(found.len());
    for m in found {
        let id = c_string(m.id);
        let comparison = match m.comparison {
            Some(c) => {
                let (public, keep) = comparison_parts(c);
                let public = Box::new(public);
                let ptr: *const vp_style_comparison = &*public;
                comparisons.push((public, keep));
                ptr
            }
            None => std::ptr::null(),
        };
        items.push(vp_style_match {
            id: id.as_ptr(),
            distance: m.distance,
            comparison,
        });
        ids.push(id);
    }
    let public = vp_style_matches {
        items: items.as_ptr(),
        len: items.len(),
    };
    let keep = MatchesKeep {
        _items: items,
        _ids: ids,
        _comparisons: comparisons,
    };
    Owned::into_raw(public, keep)
}

/// The `k` references nearest in style to the audio file at `path`,
/// nearest first, each with the comparison of the target against it when
/// `with_comparison` is true. An empty index gives no matches.
///
/// On success `*out` is a new `vp_style_matches` to free with
/// `vp_style_matches_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (`k` 0), the file errors of
/// `vp_style_analyze_file`, `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `path` is NULL or NUL-terminated; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_style_index_nearest_file(
    index: *const vp_style_index,
    path: *const c_char,
    k: usize,
    with_comparison: bool,
    out: *mut *mut vp_style_matches,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let path = unsafe { str_arg(path, "path") }?;
        let found = index
            .inner
            .nearest(StyleInput::Path(Path::new(path)), k, with_comparison)?;
        *out = matches_into_raw(found);
        Ok(())
    })
}

/// Frees matches returned by `vp_style_index_nearest_file`, their
/// comparisons included. NULL is a no-op.
///
/// # Safety
/// `matches` is NULL or matches returned by the library, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_style_matches_free(matches: *mut vp_style_matches) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `matches_into_raw`.
        unsafe { Owned::<vp_style_matches, MatchesKeep>::free(matches) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    /// `seconds` of a stereo `hz` sine at `dbfs` per channel, interleaved.
    fn sine(hz: f32, dbfs: f32, seconds: f32, rate: u32) -> Vec<f32> {
        let a = 10f32.powf(dbfs / 20.0);
        (0..(seconds * rate as f32) as usize)
            .flat_map(|i| {
                let s = a * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin();
                [s, s]
            })
            .collect()
    }

    #[test]
    fn pcm_analysis_reads_ebu_levels_and_silence_as_minus_infinity() {
        let rate = 48_000;
        let pcm = sine(1000.0, -23.0, 5.0, rate);
        let silence = vec![0.0f32; 2 * rate as usize];
        let mut a = std::ptr::null_mut();
        // SAFETY: live buffers and out-pointers; each result freed once.
        unsafe {
            assert_eq!(
                vp_style_analyze_pcm(
                    pcm.as_ptr(),
                    pcm.len() / 2,
                    2,
                    rate,
                    std::ptr::null(),
                    &mut a
                ),
                vp_status::Ok
            );
            let r = &*a;
            assert!(
                (r.integrated_lufs + 23.0).abs() < 0.1,
                "{}",
                r.integrated_lufs
            );
            assert_eq!(CStr::from_ptr(r.layout).to_str().unwrap(), "L R");
            assert_eq!(std::slice::from_raw_parts(r.true_peak, r.channels).len(), 2);
            assert!(r.has_stereo && (r.correlation - 1.0).abs() < 1e-9);
            assert_eq!(r.mel_bins, 64);
            vp_style_analysis_free(a);

            let opts = vp_style_options {
                mel_bins: 16,
                ..vp_style_options_default()
            };
            assert_eq!(
                vp_style_analyze_pcm(silence.as_ptr(), rate as usize, 2, rate, &opts, &mut a),
                vp_status::Ok
            );
            let r = &*a;
            assert_eq!(r.integrated_lufs, f64::NEG_INFINITY);
            assert_eq!(r.rms_dbfs, f64::NEG_INFINITY);
            assert!(!r.has_loudness_range && !r.loudness_range_note.is_null());
            assert!(!r.has_plr && r.plr_db.is_nan());
            assert_eq!(r.mel_bins, 16);
            vp_style_analysis_free(a);
            vp_style_analysis_free(std::ptr::null_mut());

            a = std::ptr::dangling_mut();
            assert_eq!(
                vp_style_analyze_pcm(silence.as_ptr(), 2, 9, rate, std::ptr::null(), &mut a),
                vp_status::UnsupportedFormat
            );
            assert!(a.is_null());
            let bad = vp_style_options {
                mel_bins: 0,
                ..vp_style_options_default()
            };
            assert_eq!(
                vp_style_analyze_pcm(silence.as_ptr(), 2, 2, rate, &bad, &mut a),
                vp_status::InvalidArgument
            );
            assert_eq!(
                vp_style_analyze_pcm(std::ptr::null(), 2, 2, rate, std::ptr::null(), &mut a),
                vp_status::NullPointer
            );
        }
    }

    #[test]
    fn matches_own_their_comparisons() {
        let c = StyleComparison {
            loudness_error_lu: Some(6.0),
            gain_to_match_db: Some(-6.0),
            target_true_peak_dbtp: -3.0,
            reference_true_peak_dbtp: -9.0,
            matched_true_peak_dbtp: None,
            target_overload_block_ratio: 0.0,
            reference_overload_block_ratio: 0.0,
            target_overload_sample_ratio: 0.0,
            reference_overload_sample_ratio: 0.0,
            lra_difference_lu: None,
            plr_difference_db: Some(0.0),
            crest_factor_difference_db: Some(0.0),
            correlation_difference: Some(0.0),
            side_to_mid_difference_db: Some(0.0),
            bands_hz: vec![25.0, 31.5],
            eq_curve_db: vec![0.0, 0.5],
            eq_offset_db: -6.0,
            stft_distance: None,
            log_mel_distance_db: None,
            style_distance: 0.0,
            sample_rates: [48_000, 44_100],
            channels: [2, 1],
            spectral_rate: 44_100,
            notes: vec!["resampled".into()],
        };
        let found = vec![
            StyleMatch {
                id: "a".into(),
                distance: 0.0,
                comparison: Some(c),
            },
            StyleMatch {
                id: "b".into(),
                distance: 1.5,
                comparison: None,
            },
        ];
        let raw = matches_into_raw(found);
        // SAFETY: `raw` is live until the free at the end.
        unsafe {
            let m = &*raw;
            let items = std::slice::from_raw_parts(m.items, m.len);
            assert_eq!(CStr::from_ptr(items[1].id).to_str().unwrap(), "b");
            assert!(items[1].comparison.is_null());
            let c = &*items[0].comparison;
            assert!(c.has_gain_to_match && c.gain_to_match_db == -6.0);
            assert_eq!(c.matched_true_peak_dbtp, f64::NEG_INFINITY);
            assert!(!c.has_lra_difference && c.lra_difference_lu.is_nan());
            assert!(!c.has_stft_distance && c.spectral_convergence.is_nan());
            assert_eq!(
                std::slice::from_raw_parts(c.eq_curve_db, c.band_count),
                [0.0, 0.5]
            );
            let notes = std::slice::from_raw_parts(c.notes, c.num_notes);
            assert_eq!(CStr::from_ptr(notes[0]).to_str().unwrap(), "resampled");
            assert_eq!(c.channels, [2, 1]);
            vp_style_matches_free(raw);
            vp_style_matches_free(std::ptr::null_mut());
        }
    }
}
