//! `vp_speaker_encoder`: an ONNX speaker model. Mirrors core's
//! `OnnxSpeakerEncoder`.

use std::ffi::{c_char, CString};
use std::sync::Arc;

use voiceprint_core::embed::{OnnxSpeakerEncoder, SpeakerEncoder};

use crate::args::{opt_str_arg, out_arg, ref_arg, str_arg};
use crate::audio_input::{audio_input, audio_inputs, vp_audio};
use crate::embedding::{embedding_into_raw, embeddings_into_raw, vp_embedding, vp_embeddings};
use crate::error::{ffi_call, ffi_get};
use crate::runtime::runtime_config;
use crate::status::vp_status;
use crate::strings::c_string;

/// A speaker-embedding model: audio in, a unit-length voiceprint out.
///
/// Thread safety: all functions taking a `const vp_speaker_encoder *` may
/// be called from many threads at once on the same handle. Engines made
/// from it keep their own reference, so it may be freed while they live.
#[allow(non_camel_case_types)]
pub struct vp_speaker_encoder {
    pub(crate) inner: Arc<OnnxSpeakerEncoder>,
    model_id: CString,
}

/// Loads a speaker model (an ONNX file).
///
/// - `model_path`: the `.onnx` file.
/// - `preset`: the model family, one of `"ge2e-resemblyzer"`, `"campplus"`,
///   `"eres2net"`, `"wespeaker-resnet"`; or NULL to read the spec from the
///   model's sherpa-onnx style metadata.
///
/// Loads ONNX Runtime first if needed, with the settings of the last
/// `vp_runtime_init` (or the defaults). On success `*out` is a new handle
/// to free with `vp_speaker_encoder_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_LOAD` (missing or bad file),
/// `VP_STATUS_INVALID_MODEL_SPEC` (unknown preset, no metadata),
/// `VP_STATUS_RUNTIME_NOT_FOUND`, `VP_STATUS_RUNTIME_INIT`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_new(
    model_path: *const c_char,
    preset: *const c_char,
    out: *mut *mut vp_speaker_encoder,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let model_path = unsafe { str_arg(model_path, "model_path") }?;
        // SAFETY: as above.
        let preset = unsafe { opt_str_arg(preset, "preset") }?;
        let config = runtime_config();
        let encoder = match preset {
            Some(p) => OnnxSpeakerEncoder::from_preset(model_path, p, &config)?,
            None => OnnxSpeakerEncoder::load(model_path, None, &config)?,
        };
        let model_id = c_string(encoder.model_id());
        *out = Box::into_raw(Box::new(vp_speaker_encoder {
            inner: Arc::new(encoder),
            model_id,
        }));
        Ok(())
    })
}

/// Frees an encoder handle. NULL is a no-op. Engines made from it keep
/// working.
///
/// # Safety
/// `encoder` is NULL or a handle from `vp_speaker_encoder_new` not freed
/// yet, and no other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_free(encoder: *mut vp_speaker_encoder) {
    ffi_get((), || {
        if !encoder.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_speaker_encoder_new` and is freed only once.
            drop(unsafe { Box::from_raw(encoder) });
        }
        Some(())
    })
}

/// The model id (e.g. `"ge2e-resemblyzer"`): stores are bound to it.
/// Owned by the handle, valid until it is freed; NULL for a NULL handle.
///
/// # Safety
/// `encoder` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_model_id(
    encoder: *const vp_speaker_encoder,
) -> *const c_char {
    ffi_get(std::ptr::null(), || {
        // SAFETY: forwarded contract of this function.
        let e = unsafe { ref_arg(encoder, "encoder") }.ok()?;
        Some(e.model_id.as_ptr())
    })
}

/// Length of the voiceprints it makes (e.g. 256); 0 for a NULL handle.
///
/// # Safety
/// `encoder` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_dim(encoder: *const vp_speaker_encoder) -> usize {
    ffi_get(0, || {
        // SAFETY: forwarded contract of this function.
        let e = unsafe { ref_arg(encoder, "encoder") }.ok()?;
        Some(e.inner.dim())
    })
}

/// The sample rate (Hz) the model works at; other rates are resampled.
/// 0 for a NULL handle.
///
/// # Safety
/// `encoder` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_sample_rate(encoder: *const vp_speaker_encoder) -> u32 {
    ffi_get(0, || {
        // SAFETY: forwarded contract of this function.
        let e = unsafe { ref_arg(encoder, "encoder") }.ok()?;
        Some(e.inner.sample_rate())
    })
}

/// The model family's default accept threshold on cosine score; NaN for a
/// NULL handle.
///
/// # Safety
/// `encoder` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_default_threshold(
    encoder: *const vp_speaker_encoder,
) -> f32 {
    ffi_get(f32::NAN, || {
        // SAFETY: forwarded contract of this function.
        let e = unsafe { ref_arg(encoder, "encoder") }.ok()?;
        Some(e.inner.default_threshold())
    })
}

/// The voiceprint of one utterance.
///
/// On success `*out` is a new `vp_embedding` to free with
/// `vp_embedding_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_IO` (file), `VP_STATUS_UNSUPPORTED_FORMAT`,
/// `VP_STATUS_CORRUPT_INPUT`, `VP_STATUS_EMPTY_INPUT`,
/// `VP_STATUS_AUDIO_TOO_SHORT`, `VP_STATUS_AUDIO_TOO_LONG`,
/// `VP_STATUS_INPUT_TOO_LARGE`, `VP_STATUS_NON_FINITE_SAMPLES`,
/// `VP_STATUS_INVALID_SAMPLE_RATE`, `VP_STATUS_INFERENCE`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`,
/// `VP_STATUS_INVALID_ARGUMENT` (bad `audio->kind`).
///
/// # Safety
/// `encoder` is NULL or live; `audio` is NULL or valid as its kind says;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_embed(
    encoder: *const vp_speaker_encoder,
    audio: *const vp_audio,
    out: *mut *mut vp_embedding,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let audio = unsafe { ref_arg(audio, "audio") }?;
        // SAFETY: as above.
        let input = unsafe { audio_input(audio) }?;
        *out = embedding_into_raw(encoder.inner.embed(input)?);
        Ok(())
    })
}

/// Voiceprints of `count` utterances, in order; the same results as one
/// `vp_speaker_encoder_embed` each, faster (decoding and front ends run in
/// parallel, model runs are batched). Fails as a whole when any input does.
///
/// On success `*out` is a new `vp_embeddings` to free with
/// `vp_embeddings_free`; on failure `*out` is NULL. Errors: as
/// `vp_speaker_encoder_embed`.
///
/// # Safety
/// `encoder` is NULL or live; `audios` is NULL (only with `count` 0) or
/// points to `count` valid `vp_audio`; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_encoder_embed_batch(
    encoder: *const vp_speaker_encoder,
    audios: *const vp_audio,
    count: usize,
    out: *mut *mut vp_embeddings,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let inputs = unsafe { audio_inputs(audios, count, "audios") }?;
        let embeddings = encoder.inner.embed_batch(&inputs)?;
        *out = embeddings_into_raw(embeddings, encoder.inner.dim(), encoder.inner.model_id());
        Ok(())
    })
}
