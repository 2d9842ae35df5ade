//! `vp_engine`: enrol, verify, identify and manage speakers. Mirrors core's
//! `Voiceprints`.

use std::ffi::c_char;
use std::sync::Arc;

use voiceprint_core::audio::DecodeOptions;
use voiceprint_core::embed::SpeakerEncoder;
use voiceprint_core::engine::{Voiceprints, VoiceprintsConfig};
use voiceprint_core::store::VectorStore;

use crate::args::{
    opt_out_arg, opt_str_array_arg, out_arg, ref_arg, rows_arg, str_arg, threshold_arg,
};
use crate::audio_input::{audio_input, audio_inputs, vp_audio};
use crate::encoder::vp_speaker_encoder;
use crate::error::{ffi_call, ffi_get, FfiResult};
use crate::matches::{batch_matches_into_raw, matches_into_raw, vp_batch_matches, vp_matches};
use crate::speaker::{speaker_into_raw, status_arg, vp_speaker, vp_speaker_status};
use crate::status::vp_status;
use crate::store::vp_store;
use crate::strings::{string_list_into_raw, vp_string_list};

/// Speaker voiceprints: an encoder bound to a store made for the same model.
///
/// Thread safety: every function taking a `const vp_engine *` may be called
/// from many threads at once on the same handle: many threads can verify
/// and identify while others enrol; enrolments of one speaker are
/// serialised so none is lost. Only `vp_engine_free` needs exclusive use.
#[allow(non_camel_case_types)]
pub struct vp_engine {
    /// Shared with the diarizers that name their speakers from it
    /// (`vp_diarizer_set_known`).
    pub(crate) inner: Arc<Voiceprints>,
}

/// Settings of an engine. Start from `vp_engine_config_default()`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_engine_config {
    /// Accept threshold on cosine score used when a call passes NaN; NaN
    /// here means the encoder's default (`vp_speaker_encoder_default_threshold`).
    pub threshold: f32,
    /// Largest encoded file or buffer accepted, in bytes.
    pub max_bytes: u64,
    /// Longest audio accepted, in seconds.
    pub max_seconds: f32,
}

/// The default engine settings: the encoder's threshold and the library's
/// default input limits. Thread-safe.
#[no_mangle]
pub extern "C" fn vp_engine_config_default() -> vp_engine_config {
    let decode = DecodeOptions::default();
    vp_engine_config {
        threshold: f32::NAN,
        max_bytes: decode.max_bytes,
        max_seconds: decode.max_seconds,
    }
}

/// What `vp_engine_enroll` did.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct vp_enroll_result {
    /// Utterances enrolled for this speaker so far, this call included.
    pub enrollment_count: u32,
    /// Whether the speaker existed before this call.
    pub updated: bool,
}

/// The outcome of `vp_engine_verify`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_verify_result {
    /// Cosine similarity between the speaker's voiceprint and the audio.
    pub score: f32,
    /// The threshold the decision used.
    pub threshold: f32,
    /// `score >= threshold` and the speaker is active.
    pub accepted: bool,
    /// The speaker's status; a disabled speaker is never accepted.
    pub status: vp_speaker_status,
}

/// Makes an engine from an encoder and a store bound to the same model id
/// and dimension. The engine keeps its own references: the encoder and
/// store handles may be freed at any time afterwards.
///
/// `config` may be NULL for the defaults. On success `*out` is a new handle
/// to free with `vp_engine_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_MISMATCH`, `VP_STATUS_DIMENSION_MISMATCH`
/// (store made for another model), `VP_STATUS_INVALID_ARGUMENT` (threshold
/// outside [-1, 1]), `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// Handles are NULL or live; `config` is NULL or valid; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_new(
    encoder: *const vp_speaker_encoder,
    store: *const vp_store,
    config: *const vp_engine_config,
    out: *mut *mut vp_engine,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        // SAFETY: as above.
        let config = match unsafe { config.as_ref() } {
            Some(c) => *c,
            None => vp_engine_config_default(),
        };
        let config = VoiceprintsConfig {
            threshold: threshold_arg(config.threshold),
            decode: DecodeOptions {
                max_bytes: config.max_bytes,
                max_seconds: config.max_seconds,
            },
            ..VoiceprintsConfig::default()
        };
        let encoder: Arc<dyn SpeakerEncoder> = encoder.inner.clone();
        let store: Arc<dyn VectorStore> = store.inner.clone();
        let inner = Voiceprints::with_config(encoder, store, config)?;
        *out = Box::into_raw(Box::new(vp_engine {
            inner: Arc::new(inner),
        }));
        Ok(())
    })
}

/// Frees an engine. NULL is a no-op. The store is closed once neither this
/// engine, nor its store handle, nor a diarizer given it with
/// `vp_diarizer_set_known` holds it.
///
/// # Safety
/// `engine` is NULL or a live handle not freed yet, not in use by any thread.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_free(engine: *mut vp_engine) {
    ffi_get((), || {
        if !engine.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_engine_new` and is freed only once.
            drop(unsafe { Box::from_raw(engine) });
        }
        Some(())
    })
}

/// Runs `body` with the engine and the id argument checked.
///
/// # Safety
/// `engine` is NULL or live; `id` is NULL or NUL-terminated.
unsafe fn with_engine_id<'a>(
    engine: *const vp_engine,
    id: *const c_char,
    body: impl FnOnce(&'a Voiceprints, &'a str) -> FfiResult,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let engine = unsafe { ref_arg(engine, "engine") }?;
    // SAFETY: as above.
    let id = unsafe { str_arg(id, "id") }?;
    body(&engine.inner, id)
}

/// Enrols speaker `id` from `count` utterances (one or more). The
/// voiceprint is the mean of their embeddings; enrolling an existing
/// speaker again adds to its average, weighted by its enrolment count.
///
/// `out` may be NULL when the caller does not need the outcome.
///
/// Errors: `VP_STATUS_EMPTY_INPUT` (`count` 0), `VP_STATUS_INVALID_ID`,
/// the audio errors of `vp_speaker_encoder_embed`, `VP_STATUS_STORE`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `engine` is NULL or live; `id` is NULL or NUL-terminated; `utterances`
/// is NULL or points to `count` valid `vp_audio`; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_enroll(
    engine: *const vp_engine,
    id: *const c_char,
    utterances: *const vp_audio,
    count: usize,
    out: *mut vp_enroll_result,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_engine_id(engine, id, |vp, id| {
                let inputs = audio_inputs(utterances, count, "utterances")?;
                let outcome = vp.enroll(id, &inputs)?;
                if let Some(out) = opt_out_arg(out) {
                    *out = vp_enroll_result {
                        enrollment_count: outcome.enrollment_count,
                        updated: outcome.updated,
                    };
                }
                Ok(())
            })
        }
    })
}

/// Scores `audio` against speaker `id` and decides with `threshold`; pass
/// NaN (`NAN` from <math.h>) for the engine's default.
///
/// Errors: `VP_STATUS_NOT_FOUND` (no such speaker), `VP_STATUS_INVALID_ARGUMENT`
/// (threshold outside [-1, 1]), the audio errors of
/// `vp_speaker_encoder_embed`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `engine` is NULL or live; `id` is NULL or NUL-terminated; `audio` is
/// NULL or valid; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_verify(
    engine: *const vp_engine,
    id: *const c_char,
    audio: *const vp_audio,
    threshold: f32,
    out: *mut vp_verify_result,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        unsafe {
            with_engine_id(engine, id, |vp, id| {
                let audio = ref_arg(audio, "audio")?;
                let input = audio_input(audio)?;
                let v = vp.verify(id, input, threshold_arg(threshold))?;
                *out = vp_verify_result {
                    score: v.score,
                    threshold: v.threshold,
                    accepted: v.accepted,
                    status: v.status.into(),
                };
                Ok(())
            })
        }
    })
}

/// Who is speaking in `audio`: the top `k` active speakers, best first,
/// restricted to `candidates` (an array of `candidates_len` ids) when it
/// is not NULL; and the best one if its score reaches `threshold` (NaN for
/// the engine's default).
///
/// On success `*out` is a new `vp_matches` to free with `vp_matches_free`;
/// on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (`k` 0, bad threshold), the audio
/// errors of `vp_speaker_encoder_embed`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8` (audio path or a candidate id).
///
/// # Safety
/// `engine` is NULL or live; `audio` is NULL or valid; `candidates` is
/// NULL or points to `candidates_len` NUL-terminated strings; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_identify(
    engine: *const vp_engine,
    audio: *const vp_audio,
    k: usize,
    candidates: *const *const c_char,
    candidates_len: usize,
    threshold: f32,
    out: *mut *mut vp_matches,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let engine = unsafe { ref_arg(engine, "engine") }?;
        // SAFETY: as above.
        let audio = unsafe { ref_arg(audio, "audio") }?;
        // SAFETY: as above.
        let input = unsafe { audio_input(audio) }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found =
            engine
                .inner
                .identify(input, k, candidates.as_deref(), threshold_arg(threshold))?;
        *out = matches_into_raw(found);
        Ok(())
    })
}

/// `vp_engine_identify` for `num_vectors` embeddings computed beforehand
/// (`vp_speaker_encoder_embed`, another node), scored in one pass over the
/// store: `vectors` holds them row-major, `dim` floats each, used as given
/// (they are expected unit length, as the encoder makes them). `k`,
/// `candidates` and `threshold` (NaN for the engine's default) apply to
/// every row. Result `i` is exactly what `vp_engine_identify` returns for
/// the audio whose embedding is row `i` (same ids, order, scores, best and
/// threshold).
///
/// On success `*out` is a new `vp_batch_matches` of `num_vectors`
/// `vp_matches` to free with `vp_batch_matches_free`; on failure `*out`
/// is NULL.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the encoder's),
/// `VP_STATUS_INVALID_ARGUMENT` (`num_vectors` 0, `k` 0, bad threshold,
/// `num_vectors * dim` too large), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8` (a candidate id).
///
/// # Safety
/// `engine` is NULL or live; `vectors` is NULL or points to
/// `num_vectors * dim` floats; `candidates` as in `vp_engine_identify`;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_identify_vectors(
    engine: *const vp_engine,
    vectors: *const f32,
    num_vectors: usize,
    dim: usize,
    k: usize,
    candidates: *const *const c_char,
    candidates_len: usize,
    threshold: f32,
    out: *mut *mut vp_batch_matches,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let engine = unsafe { ref_arg(engine, "engine") }?;
        let expected = engine.inner.encoder().dim();
        // SAFETY: as above.
        let vectors = unsafe { rows_arg(vectors, num_vectors, dim, expected, "vectors") }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found = engine.inner.identify_vectors(
            vectors,
            k,
            candidates.as_deref(),
            threshold_arg(threshold),
        )?;
        *out = batch_matches_into_raw(found);
        Ok(())
    })
}

/// Removes speaker `id`. `*removed` (if `removed` is not NULL) says whether
/// it existed; removing an unknown id is not an error.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `engine` is NULL or live; `id` is NULL or NUL-terminated; `removed` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_remove(
    engine: *const vp_engine,
    id: *const c_char,
    removed: *mut bool,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_engine_id(engine, id, |vp, id| {
                let existed = vp.remove(id)?;
                if let Some(r) = opt_out_arg(removed) {
                    *r = existed;
                }
                Ok(())
            })
        }
    })
}

/// Speaker `id`'s voiceprint and metadata. On success `*out` is a new
/// `vp_speaker` to free with `vp_speaker_free`, or NULL when no speaker
/// has this id (not an error); on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `engine` is NULL or live; `id` is NULL or NUL-terminated; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_get(
    engine: *const vp_engine,
    id: *const c_char,
    out: *mut *mut vp_speaker,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        unsafe {
            with_engine_id(engine, id, |vp, id| {
                if let Some(info) = vp.get(id)? {
                    *out = speaker_into_raw(info);
                }
                Ok(())
            })
        }
    })
}

/// All speaker ids, sorted. On success `*out` is a new `vp_string_list` to
/// free with `vp_string_list_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `engine` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_list(
    engine: *const vp_engine,
    out: *mut *mut vp_string_list,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let engine = unsafe { ref_arg(engine, "engine") }?;
        *out = string_list_into_raw(engine.inner.list()?);
        Ok(())
    })
}

/// Enables or disables speaker `id`; `status` is a `vp_speaker_status`
/// value. A disabled speaker is kept but never matched.
///
/// Errors: `VP_STATUS_NOT_FOUND`, `VP_STATUS_INVALID_ARGUMENT` (not a
/// `vp_speaker_status`), `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `engine` is NULL or live; `id` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_set_status(
    engine: *const vp_engine,
    id: *const c_char,
    status: u32,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_engine_id(engine, id, |vp, id| {
                vp.set_status(id, status_arg(status)?)?;
                Ok(())
            })
        }
    })
}

/// Number of enrolled speakers (active and disabled) into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `engine` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_count(engine: *const vp_engine, out: *mut usize) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let engine = unsafe { ref_arg(engine, "engine") }?;
        *out = engine.inner.len();
        Ok(())
    })
}

/// The threshold used when a call passes NaN, into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `engine` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_engine_threshold(engine: *const vp_engine, out: *mut f32) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let engine = unsafe { ref_arg(engine, "engine") }?;
        *out = engine.inner.threshold();
        Ok(())
    })
}
