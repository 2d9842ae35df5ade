//! `vp_diarizer`: who spoke when, with or without subtitles, naming the
//! voices it knows; its settings (`vp_diarizer_config`) and the options of
//! one run (`vp_diarize_options`, with the progress callback). Mirrors
//! core's `Diarizer`, `DiarizerConfig`, `DiarizeOptions`.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use voiceprint_core::audio::DecodeOptions;
use voiceprint_core::cluster::{ClusterMethod, ClusterOptions, SpeakerCount};
use voiceprint_core::embed::SpeakerEncoder;
use voiceprint_core::vad::VadOptions;
use voiceprint_core::{DiarizeOptions, Diarizer, DiarizerConfig, Error};

use crate::args::{opt_out_arg, out_arg, ref_arg, str_arg, threshold_arg};
use crate::audio_input::{audio_input, vp_audio};
use crate::diarization::{diarization_arg, diarization_into_raw, vp_diarization};
use crate::encoder::vp_speaker_encoder;
use crate::engine::{vp_engine, vp_enroll_result};
use crate::error::{ffi_call, ffi_get, FfiResult};
use crate::gender::vp_gender_classifier;
use crate::status::vp_status;
use crate::subtitles::{subtitles_arg, vp_subtitle};
use crate::vad::vp_vad;

/// How window voiceprints are grouped into speakers.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_cluster_method {
    /// Average-linkage agglomerative clustering on cosine similarity,
    /// stopped by `cluster_threshold` (the automatic speaker count).
    Agglomerative = 0,
    /// Spectral clustering, the speaker count from the largest eigengap.
    Spectral = 1,
}

fn cluster_method_arg(value: u32) -> FfiResult<ClusterMethod> {
    match value {
        v if v == vp_cluster_method::Agglomerative as u32 => Ok(ClusterMethod::Agglomerative),
        v if v == vp_cluster_method::Spectral as u32 => Ok(ClusterMethod::Spectral),
        other => Err(Error::invalid_argument(
            "cluster_method",
            format!("{other} is not a vp_cluster_method (0 agglomerative, 1 spectral)"),
        )
        .into()),
    }
}

/// How a diarizer works. Start from `vp_diarizer_config_default()` (the
/// settings chosen on the dev conversations with the GE2E model) and
/// change fields. NaN in a float field documented so means "none".
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_diarizer_config {
    /// Length of the windows embedded inside speech regions, seconds (0, 60].
    pub window_seconds: f32,
    /// Step between windows, seconds (0, 60].
    pub hop_seconds: f32,
    /// A `vp_cluster_method` value. (A plain integer so that a bad value is
    /// refused with `VP_STATUS_INVALID_ARGUMENT` rather than misread.)
    pub cluster_method: u32,
    /// Agglomerative: clusters whose average cosine similarity is at least
    /// this are merged, in [-1, 1].
    pub cluster_threshold: f32,
    /// Spectral: share of each row's affinities kept, in (0, 1].
    pub p_percentile: f32,
    /// Spectral: most speakers the eigengap may choose without `max_speakers`.
    pub max_auto_speakers: usize,
    /// Pauses up to this long inside one speaker's turn are bridged, seconds.
    pub bridge_seconds: f32,
    /// Turn edges move outwards over frames this many dB above the noise
    /// floor; NaN keeps the VAD's edges.
    pub extend_margin_db: f32,
    /// Longest such move, seconds.
    pub max_extend_seconds: f32,
    /// The noise floor is this percentile (0-100) of the 10 ms frame energies.
    pub noise_floor_percentile: f32,
    /// Cosine score a cluster needs to be a known voice; NaN uses the
    /// known-voices engine's threshold.
    pub known_threshold: f32,
    /// Seconds of each speaker's speech its voiceprint (the centroid
    /// reported, matched to known voices, classified for gender) and its
    /// pitch are computed from.
    pub speaker_seconds: f32,
    /// Silero VAD: probability at or above which a frame is speech.
    pub vad_threshold: f32,
    /// Silero VAD: probability below which speech ends; NaN is
    /// `max(vad_threshold - 0.15, 0.01)`.
    pub vad_neg_threshold: f32,
    /// Silero VAD: shorter speech is dropped, milliseconds.
    pub min_speech_ms: u32,
    /// Silero VAD: shorter silence does not end speech, milliseconds.
    pub min_silence_ms: u32,
    /// Silero VAD: padding on each side of speech, milliseconds.
    pub speech_pad_ms: u32,
    /// Largest encoded file or buffer accepted, in bytes.
    pub max_bytes: u64,
    /// Longest audio accepted, in seconds.
    pub max_seconds: f32,
}

fn nan_none(v: Option<f32>) -> f32 {
    v.unwrap_or(f32::NAN)
}

/// The default diarizer settings (core's). Thread-safe.
#[no_mangle]
pub extern "C" fn vp_diarizer_config_default() -> vp_diarizer_config {
    let d = DiarizerConfig::default();
    vp_diarizer_config {
        window_seconds: d.window_seconds,
        hop_seconds: d.hop_seconds,
        cluster_method: match d.cluster.method {
            ClusterMethod::Agglomerative => vp_cluster_method::Agglomerative,
            ClusterMethod::Spectral => vp_cluster_method::Spectral,
        } as u32,
        cluster_threshold: d.cluster.threshold,
        p_percentile: d.cluster.p_percentile,
        max_auto_speakers: d.cluster.max_auto_speakers,
        bridge_seconds: d.bridge_seconds,
        extend_margin_db: nan_none(d.extend_margin_db),
        max_extend_seconds: d.max_extend_seconds,
        noise_floor_percentile: d.noise_floor_percentile,
        known_threshold: nan_none(d.known_threshold),
        speaker_seconds: d.speaker_seconds,
        vad_threshold: d.vad.threshold,
        vad_neg_threshold: nan_none(d.vad.neg_threshold),
        min_speech_ms: d.vad.min_speech_ms,
        min_silence_ms: d.vad.min_silence_ms,
        speech_pad_ms: d.vad.speech_pad_ms,
        max_bytes: d.decode.max_bytes,
        max_seconds: d.decode.max_seconds,
    }
}

/// Core's settings from the C struct.
fn config_arg(c: &vp_diarizer_config) -> FfiResult<DiarizerConfig> {
    Ok(DiarizerConfig {
        vad: VadOptions {
            threshold: c.vad_threshold,
            neg_threshold: threshold_arg(c.vad_neg_threshold),
            min_speech_ms: c.min_speech_ms,
            min_silence_ms: c.min_silence_ms,
            speech_pad_ms: c.speech_pad_ms,
            ..DiarizerConfig::default().vad
        },
        window_seconds: c.window_seconds,
        hop_seconds: c.hop_seconds,
        cluster: ClusterOptions {
            method: cluster_method_arg(c.cluster_method)?,
            threshold: c.cluster_threshold,
            p_percentile: c.p_percentile,
            max_auto_speakers: c.max_auto_speakers,
            ..ClusterOptions::default()
        },
        bridge_seconds: c.bridge_seconds,
        extend_margin_db: threshold_arg(c.extend_margin_db),
        max_extend_seconds: c.max_extend_seconds,
        noise_floor_percentile: c.noise_floor_percentile,
        known_threshold: threshold_arg(c.known_threshold),
        speaker_seconds: c.speaker_seconds,
        decode: DecodeOptions {
            max_bytes: c.max_bytes,
            max_seconds: c.max_seconds,
        },
    })
}

/// The C progress callback (spelled out in `vp_diarize_options`, where
/// cbindgen writes it as a function pointer).
pub(crate) type ProgressFn = unsafe extern "C" fn(fraction: f32, user_data: *mut c_void) -> bool;

/// What one `vp_diarizer_run` is asked. Start from
/// `vp_diarize_options_default()` (or zero it): every field 0 / NULL means
/// "not given".
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_diarize_options {
    /// Exactly this many speakers; 0 estimates the count.
    pub num_speakers: usize,
    /// At least this many speakers; 0 for no lower bound.
    pub min_speakers: usize,
    /// At most this many speakers; 0 for no upper bound.
    pub max_speakers: usize,
    /// Subtitle mode: `num_subtitles` cues (e.g. the `items` of a
    /// `vp_subtitles`), each becoming one segment with the speaker of its
    /// voice and its `index` as `subtitle_index` (cues without speech are
    /// left out). NULL: segments are found from the speech itself.
    pub subtitles: *const vp_subtitle,
    /// Number of cues.
    pub num_subtitles: usize,
    /// Called with the fraction done, 0 first and 1 last, rising, on the
    /// thread that called `vp_diarizer_run`, before it returns; returning
    /// false cancels the run. NULL for no reports.
    pub progress: Option<unsafe extern "C" fn(fraction: f32, user_data: *mut c_void) -> bool>,
    /// Passed to `progress` as is; the library never reads it.
    pub user_data: *mut c_void,
}

/// No speaker count, no subtitles, no progress callback. Thread-safe.
#[no_mangle]
pub extern "C" fn vp_diarize_options_default() -> vp_diarize_options {
    vp_diarize_options {
        num_speakers: 0,
        min_speakers: 0,
        max_speakers: 0,
        subtitles: std::ptr::null(),
        num_subtitles: 0,
        progress: None,
        user_data: std::ptr::null_mut(),
    }
}

/// The C callback as core's progress function (also the style index's
/// `vp_style_index_add_folder`).
pub(crate) struct CProgress {
    pub(crate) callback: ProgressFn,
    pub(crate) user_data: *mut c_void,
}

// SAFETY: core calls the progress function only on the thread running
// `Diarizer::run` (or `StyleIndex::add_folder`), which is the thread that
// called into the library (as the docs tell C), so `user_data` never
// reaches another thread.
unsafe impl Sync for CProgress {}

impl CProgress {
    pub(crate) fn report(&self, fraction: f32) -> bool {
        // SAFETY: the caller gave a function of this signature; what it does
        // with `user_data` is the caller's contract with itself.
        unsafe { (self.callback)(fraction, self.user_data) }
    }
}

/// Who spoke when: a speaker encoder (16 kHz models; the GE2E preset's
/// threshold is what the defaults were tuned with) and Silero VAD, the
/// built-in gender classifier of the encoder's model when the library
/// ships one, and optionally an engine whose voices it names.
///
/// Thread safety: `vp_diarizer_run` and `vp_diarizer_enroll_cluster` (a
/// `const vp_diarizer *`) may be called from many threads at once on the
/// same handle; `vp_diarizer_set_known`, `vp_diarizer_set_gender` and
/// `vp_diarizer_free` need exclusive use.
#[allow(non_camel_case_types)]
pub struct vp_diarizer {
    inner: Diarizer,
}

/// Makes a diarizer. It keeps its own references: the encoder and VAD
/// handles may be freed at any time afterwards. `config` may be NULL for
/// the defaults.
///
/// On success `*out` is a new handle to free with `vp_diarizer_free`; on
/// failure `*out` is NULL.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (a setting out of its range, a bad
/// `cluster_method`), `VP_STATUS_INVALID_MODEL_SPEC` (an encoder whose
/// model does not take 16 kHz audio), `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// Handles are NULL or live; `config` is NULL or valid; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_diarizer_new(
    encoder: *const vp_speaker_encoder,
    vad: *const vp_vad,
    config: *const vp_diarizer_config,
    out: *mut *mut vp_diarizer,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let vad = unsafe { ref_arg(vad, "vad") }?;
        // SAFETY: as above.
        let config = match unsafe { config.as_ref() } {
            Some(c) => config_arg(c)?,
            None => DiarizerConfig::default(),
        };
        let encoder: Arc<dyn SpeakerEncoder> = encoder.inner.clone();
        let inner = Diarizer::with_config(encoder, vad.inner.clone(), config)?;
        *out = Box::into_raw(Box::new(vp_diarizer { inner }));
        Ok(())
    })
}

/// Frees a diarizer. NULL is a no-op. Results it made stay valid.
///
/// # Safety
/// `diarizer` is NULL or a live handle not freed yet, not in use by any thread.
#[no_mangle]
pub unsafe extern "C" fn vp_diarizer_free(diarizer: *mut vp_diarizer) {
    ffi_get((), || {
        if !diarizer.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_diarizer_new` and is freed only once.
            drop(unsafe { Box::from_raw(diarizer) });
        }
        Some(())
    })
}

/// Replaces the diarizer's core value by what `change` makes of a copy;
/// on failure the diarizer is left as it was.
///
/// # Safety
/// `diarizer` is NULL or live and not in use by another thread.
unsafe fn change(
    diarizer: *mut vp_diarizer,
    change: impl FnOnce(Diarizer) -> FfiResult<Diarizer>,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let d = unsafe { out_arg(diarizer, "diarizer") }?;
    d.inner = change(d.inner.clone())?;
    Ok(())
}

/// Names clusters after the voices enrolled in `engine`: each speaker is
/// matched one to one to the best enrolled voice scoring at least the
/// config's `known_threshold` (or the engine's threshold), and then takes
/// its id as label. The diarizer shares the engine (voices enrolled later
/// count too); the engine handle may be freed at any time afterwards.
///
/// Errors: `VP_STATUS_MODEL_MISMATCH` (the engine uses another speaker
/// model), `VP_STATUS_NULL_POINTER`. On failure the diarizer is unchanged.
///
/// # Safety
/// `diarizer` is NULL or live and not used by another thread during the
/// call; `engine` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn vp_diarizer_set_known(
    diarizer: *mut vp_diarizer,
    engine: *const vp_engine,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let engine = unsafe { ref_arg(engine, "engine") }?;
        // SAFETY: as above.
        unsafe { change(diarizer, |d| Ok(d.with_known(engine.inner.clone())?)) }
    })
}

/// Uses `classifier` for each speaker's gender (the diarizer keeps a
/// copy; the handle may be freed afterwards), replacing the built-in one;
/// NULL turns gender off (`VP_GENDER_UNKNOWN`, NaN probability).
///
/// Errors: `VP_STATUS_MODEL_MISMATCH` (a classifier of another speaker
/// model), `VP_STATUS_NULL_POINTER` (`diarizer`). On failure the diarizer
/// is unchanged.
///
/// # Safety
/// `diarizer` is NULL or live and not used by another thread during the
/// call; `classifier` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn vp_diarizer_set_gender(
    diarizer: *mut vp_diarizer,
    classifier: *const vp_gender_classifier,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function; NULL means "off".
        let classifier = unsafe { classifier.as_ref() }.map(|c| c.inner.clone());
        // SAFETY: as above.
        unsafe { change(diarizer, |d| Ok(d.with_gender(classifier)?)) }
    })
}

/// Core's speaker count: 0 is "not given".
fn count_arg(n: usize) -> Option<usize> {
    (n != 0).then_some(n)
}

/// Diarizes `audio` (any length, any sample rate; decoded and resampled
/// to 16 kHz). `options` may be NULL for the defaults. Silence-only audio
/// gives a result without segments, not an error.
///
/// On success `*out` is a new `vp_diarization` to free with
/// `vp_diarization_free`; on failure `*out` is NULL.
///
/// Errors: the audio errors of `vp_speaker_encoder_embed`;
/// `VP_STATUS_INVALID_ARGUMENT` for speaker counts that contradict each
/// other (`min_speakers` > `max_speakers`, ...) or exceed the speech
/// found, and for subtitle cues past the end of the audio or with bad
/// times; `VP_STATUS_CANCELLED` when `progress` returned false;
/// `VP_STATUS_INFERENCE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `diarizer` is NULL or live; `audio` is NULL or valid as its kind says;
/// `options` is NULL or valid, its `subtitles` NULL or pointing to
/// `num_subtitles` cues, its `progress` NULL or a function of that type;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_diarizer_run(
    diarizer: *const vp_diarizer,
    audio: *const vp_audio,
    options: *const vp_diarize_options,
    out: *mut *mut vp_diarization,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let diarizer = unsafe { ref_arg(diarizer, "diarizer") }?;
        // SAFETY: as above.
        let audio = unsafe { ref_arg(audio, "audio") }?;
        // SAFETY: as above.
        let input = unsafe { audio_input(audio) }?;
        // SAFETY: as above.
        let options = match unsafe { options.as_ref() } {
            Some(o) => *o,
            None => vp_diarize_options_default(),
        };
        let subtitles = if options.subtitles.is_null() && options.num_subtitles == 0 {
            None
        } else {
            // SAFETY: as above (a NULL array with a length is refused).
            Some(unsafe { subtitles_arg(options.subtitles, options.num_subtitles) }?)
        };
        let progress = options.progress.map(|callback| CProgress {
            callback,
            user_data: options.user_data,
        });
        let report = progress.as_ref().map(|p| move |f: f32| p.report(f));
        let run = DiarizeOptions {
            count: SpeakerCount {
                exact: count_arg(options.num_speakers),
                min: count_arg(options.min_speakers),
                max: count_arg(options.max_speakers),
            },
            subtitles: subtitles.as_deref(),
            progress: report.as_ref().map(|r| r as &(dyn Fn(f32) -> bool + Sync)),
        };
        *out = diarization_into_raw(diarizer.inner.run(input, &run)?);
        Ok(())
    })
}

/// Names speaker `label` of `result` (made by this diarizer's encoder) as
/// known voice `id`: enrols its centroid in the engine given by
/// `vp_diarizer_set_known` (adding to `id`'s voiceprint if it exists), so
/// later runs name it. `out` may be NULL when the caller does not need
/// the outcome.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (no engine set), `VP_STATUS_NOT_FOUND`
/// (no speaker `label` in `result`), `VP_STATUS_INVALID_ID`,
/// `VP_STATUS_MODEL_MISMATCH`, `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `diarizer` is NULL or live; `result` is NULL or a live result of the
/// library; strings are NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_diarizer_enroll_cluster(
    diarizer: *const vp_diarizer,
    result: *const vp_diarization,
    label: *const c_char,
    id: *const c_char,
    out: *mut vp_enroll_result,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let diarizer = unsafe { ref_arg(diarizer, "diarizer") }?;
        // SAFETY: as above.
        let result = unsafe { diarization_arg(result, "result") }?;
        // SAFETY: as above.
        let label = unsafe { str_arg(label, "label") }?;
        // SAFETY: as above.
        let id = unsafe { str_arg(id, "id") }?;
        let outcome = diarizer.inner.enroll_cluster(result, label, id)?;
        // SAFETY: as above.
        if let Some(out) = unsafe { opt_out_arg(out) } {
            *out = vp_enroll_result {
                enrollment_count: outcome.enrollment_count,
                updated: outcome.updated,
            };
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_round_trips_to_core() {
        let c = vp_diarizer_config_default();
        assert_eq!(config_arg(&c).unwrap(), DiarizerConfig::default());
        let mut bad = c;
        bad.cluster_method = 9;
        assert!(config_arg(&bad).is_err());
        bad = c;
        bad.extend_margin_db = f32::NAN;
        assert_eq!(config_arg(&bad).unwrap().extend_margin_db, None);
    }

    #[test]
    fn null_handles_are_statuses() {
        let mut out: *mut vp_diarization = std::ptr::dangling_mut();
        let pcm = [0.0f32; 16];
        let audio = crate::audio_input::vp_audio_pcm_f32(pcm.as_ptr(), 16, 16_000);
        // SAFETY: NULL handles are checked before any use; locals are live.
        unsafe {
            assert_eq!(
                vp_diarizer_run(std::ptr::null(), &audio, std::ptr::null(), &mut out),
                vp_status::NullPointer
            );
            assert!(out.is_null());
            let mut d: *mut vp_diarizer = std::ptr::dangling_mut();
            assert_eq!(
                vp_diarizer_new(std::ptr::null(), std::ptr::null(), std::ptr::null(), &mut d),
                vp_status::NullPointer
            );
            assert!(d.is_null());
            assert_eq!(
                vp_diarizer_set_gender(std::ptr::null_mut(), std::ptr::null()),
                vp_status::NullPointer
            );
            assert_eq!(
                vp_diarizer_enroll_cluster(
                    std::ptr::null(),
                    std::ptr::null(),
                    c"a".as_ptr(),
                    c"b".as_ptr(),
                    std::ptr::null_mut()
                ),
                vp_status::NullPointer
            );
            vp_diarizer_free(std::ptr::null_mut());
        }
    }
}
