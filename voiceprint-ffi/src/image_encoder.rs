//! `vp_image_encoder`: an ONNX vision model (MobileNetV2, ResNet, CLIP's
//! vision tower, ...) and its preprocessing. Mirrors core's
//! `OnnxImageEncoder` and `ImageModelSpec`.

use std::ffi::{c_char, CString};
use std::path::Path;
use std::sync::Arc;

use voiceprint_core::embed::{model_id_of, ImageEncoder, ImageModelSpec, OnnxImageEncoder};
use voiceprint_core::features::{ImageProfile, IMAGE_PROFILES};
use voiceprint_core::image::ImageLimits;

use crate::args::{opt_str_arg, out_arg, ref_arg, str_arg};
use crate::embedding::{embedding_into_raw, embeddings_into_raw, vp_embedding, vp_embeddings};
use crate::error::{ffi_call, ffi_get, FfiResult};
use crate::image_input::{image_input, image_inputs, vp_image};
use crate::image_profile::{profile_arg, vp_image_profile};
use crate::image_tensor::{image_tensor_into_raw, vp_image_tensor};
use crate::runtime::runtime_config;
use crate::status::vp_status;
use crate::strings::c_string;

/// An image model: an image in, a fixed-length feature vector out.
///
/// Thread safety: all functions taking a `const vp_image_encoder *` may be
/// called from many threads at once on the same handle. Indexes made from
/// it keep their own reference, so it may be freed while they live.
#[allow(non_camel_case_types)]
pub struct vp_image_encoder {
    pub(crate) inner: Arc<OnnxImageEncoder>,
    model_id: CString,
}

/// Settings of an image encoder beyond its model file and profile. Start
/// from `vp_image_encoder_config_default()`; strings are borrowed for the
/// duration of the constructor only.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_image_encoder_config {
    /// Id of the model, which stores are bound to; NULL: the file's stem
    /// (`mobilenetv2.onnx` gives `"mobilenetv2"`).
    pub model_id: *const c_char,
    /// Name of the image input; NULL: the model's first input.
    pub input_name: *const c_char,
    /// Name of the output used as the feature vector (the pooled feature
    /// layer, not the classifier's logits); NULL: the model's first output.
    pub output_name: *const c_char,
    /// L2-normalise the vectors (cosine scores). Default true.
    pub normalize: bool,
    /// Expected vector length, checked against the model; 0: read it from
    /// the model.
    pub dim: usize,
    /// Most images in one model run (models with a dynamic batch axis).
    pub max_batch: usize,
    /// Largest encoded file or buffer accepted, in bytes.
    pub max_bytes: u64,
    /// Largest image accepted, width x height, against decompression bombs.
    pub max_pixels: u64,
}

/// The default image encoder settings: id from the file name, first input
/// and output, normalised vectors, core's batch size and input limits
/// (64 MiB, 89,478,485 pixels as Pillow's `MAX_IMAGE_PIXELS`). Thread-safe.
#[no_mangle]
pub extern "C" fn vp_image_encoder_config_default() -> vp_image_encoder_config {
    let limits = ImageLimits::default();
    // The spec's defaults do not depend on the profile; take any preset's.
    let spec = ImageProfile::preset(IMAGE_PROFILES[0])
        .ok()
        .map(|p| ImageModelSpec::with_profile(String::new(), p));
    vp_image_encoder_config {
        model_id: std::ptr::null(),
        input_name: std::ptr::null(),
        output_name: std::ptr::null(),
        normalize: spec.as_ref().is_none_or(|s| s.normalize),
        dim: 0,
        max_batch: spec.as_ref().map_or(16, |s| s.max_batch),
        max_bytes: limits.max_bytes,
        max_pixels: limits.max_pixels,
    }
}

/// Loads the model with `profile` and `config` and writes the new handle
/// through `out` (NULL first, so a failure leaves NULL behind).
///
/// # Safety
/// `out` is NULL or writable; `model_path` is NULL or NUL-terminated;
/// `config` is NULL or valid, its strings NULL or NUL-terminated.
unsafe fn new_into(
    model_path: *const c_char,
    profile: impl FnOnce() -> FfiResult<ImageProfile>,
    config: *const vp_image_encoder_config,
    out: *mut *mut vp_image_encoder,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    // SAFETY: as above.
    let model_path = Path::new(unsafe { str_arg(model_path, "model_path") }?);
    let profile = profile()?;
    // SAFETY: as above.
    let config = match unsafe { config.as_ref() } {
        Some(c) => *c,
        None => vp_image_encoder_config_default(),
    };
    // SAFETY: as above.
    let model_id = unsafe { opt_str_arg(config.model_id, "config.model_id") }?;
    // SAFETY: as above.
    let input_name = unsafe { opt_str_arg(config.input_name, "config.input_name") }?;
    // SAFETY: as above.
    let output_name = unsafe { opt_str_arg(config.output_name, "config.output_name") }?;
    let model_id = model_id
        .map(str::to_string)
        .unwrap_or_else(|| model_id_of(model_path));
    let spec = ImageModelSpec {
        input_name: input_name.map(str::to_string),
        output_name: output_name.map(str::to_string),
        normalize: config.normalize,
        dim: (config.dim != 0).then_some(config.dim),
        max_batch: config.max_batch,
        ..ImageModelSpec::with_profile(model_id, profile)
    };
    let mut encoder = OnnxImageEncoder::load(model_path, spec, &runtime_config())?;
    encoder.set_limits(ImageLimits {
        max_bytes: config.max_bytes,
        max_pixels: config.max_pixels,
    });
    let model_id = c_string(encoder.model_id());
    *out = Box::into_raw(Box::new(vp_image_encoder {
        inner: Arc::new(encoder),
        model_id,
    }));
    Ok(())
}

/// Loads an image model (an ONNX file) with a named preprocessing profile.
///
/// - `model_path`: the `.onnx` file; its input must fit the profile (rank
///   4, 3 channels where the profile's layout puts them, its size).
/// - `profile`: `"keras-mobilenetv2"`, `"torchvision"` or `"clip"` (see
///   `vp_image_profile_preset`).
/// - `config`: NULL for `vp_image_encoder_config_default()`; set
///   `output_name` to pick the feature tensor of a model with several
///   outputs.
///
/// Loads ONNX Runtime first if needed, with the settings of the last
/// `vp_runtime_init` (or the defaults). On success `*out` is a new handle
/// to free with `vp_image_encoder_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_LOAD` (missing or bad file, unknown input or
/// output name), `VP_STATUS_INVALID_MODEL_SPEC` (unknown profile, a
/// profile that does not fit the model's input, `dim` or `max_batch` out
/// of range), `VP_STATUS_RUNTIME_NOT_FOUND`, `VP_STATUS_RUNTIME_INIT`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `config` is NULL or valid, its
/// strings NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_new(
    model_path: *const c_char,
    profile: *const c_char,
    config: *const vp_image_encoder_config,
    out: *mut *mut vp_image_encoder,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            new_into(
                model_path,
                || Ok(ImageProfile::preset(str_arg(profile, "profile")?)?),
                config,
                out,
            )
        }
    })
}

/// Loads an image model with a custom preprocessing profile, e.g. a preset
/// from `vp_image_profile_preset` with some fields changed. Otherwise as
/// `vp_image_encoder_new`.
///
/// Errors: those of `vp_image_encoder_new`; `VP_STATUS_INVALID_ARGUMENT`
/// (an enum field holding no value of its enum), `VP_STATUS_INVALID_MODEL_SPEC`
/// (sizes, a zero or non-finite std, ...).
///
/// # Safety
/// As `vp_image_encoder_new`; `profile` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_new_with_profile(
    model_path: *const c_char,
    profile: *const vp_image_profile,
    config: *const vp_image_encoder_config,
    out: *mut *mut vp_image_encoder,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            new_into(
                model_path,
                || profile_arg(ref_arg(profile, "profile")?),
                config,
                out,
            )
        }
    })
}

/// Frees an encoder handle. NULL is a no-op. Indexes made from it keep
/// working.
///
/// # Safety
/// `encoder` is NULL or a handle from `vp_image_encoder_new*` not freed
/// yet, and no other thread is using it.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_free(encoder: *mut vp_image_encoder) {
    ffi_get((), || {
        if !encoder.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `new_into` and is freed only once.
            drop(unsafe { Box::from_raw(encoder) });
        }
        Some(())
    })
}

/// The model id: stores are bound to it. Owned by the handle, valid until
/// it is freed; NULL for a NULL handle.
///
/// # Safety
/// `encoder` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_model_id(
    encoder: *const vp_image_encoder,
) -> *const c_char {
    ffi_get(std::ptr::null(), || {
        // SAFETY: forwarded contract of this function.
        let e = unsafe { ref_arg(encoder, "encoder") }.ok()?;
        Some(e.model_id.as_ptr())
    })
}

/// Length of the feature vectors it makes; 0 for a NULL handle.
///
/// # Safety
/// `encoder` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_dim(encoder: *const vp_image_encoder) -> usize {
    ffi_get(0, || {
        // SAFETY: forwarded contract of this function.
        let e = unsafe { ref_arg(encoder, "encoder") }.ok()?;
        Some(e.inner.dim())
    })
}

/// The preprocessing profile the encoder runs with, into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `encoder` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_profile(
    encoder: *const vp_image_encoder,
    out: *mut vp_image_profile,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        *out = vp_image_profile::from(encoder.inner.profile());
        Ok(())
    })
}

/// The feature vector of one image: unit length unless the encoder was
/// made with `normalize` false, then the model's raw output.
///
/// On success `*out` is a new `vp_embedding` to free with
/// `vp_embedding_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_IO` (file), `VP_STATUS_UNSUPPORTED_FORMAT` (not an
/// image format it decodes), `VP_STATUS_CORRUPT_INPUT` (damaged or cut
/// short), `VP_STATUS_EMPTY_INPUT` (no bytes, zero width or height),
/// `VP_STATUS_INPUT_TOO_LARGE` (beyond `max_bytes` / `max_pixels`),
/// `VP_STATUS_INVALID_ARGUMENT` (bad `image->kind` or `format`, a stride
/// shorter than a row, a buffer shorter than its rows), `VP_STATUS_INFERENCE`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `encoder` is NULL or live; `image` is NULL or valid as its kind says;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_embed(
    encoder: *const vp_image_encoder,
    image: *const vp_image,
    out: *mut *mut vp_embedding,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let image = unsafe { ref_arg(image, "image") }?;
        // SAFETY: as above.
        let input = unsafe { image_input(image) }?;
        *out = embedding_into_raw(encoder.inner.embed(input)?);
        Ok(())
    })
}

/// Feature vectors of `count` images, in order; the same results as one
/// `vp_image_encoder_embed` each, faster (images are decoded and
/// preprocessed in parallel while the model runs batches). Fails as a
/// whole when any image does.
///
/// On success `*out` is a new `vp_embeddings` to free with
/// `vp_embeddings_free`; on failure `*out` is NULL. Errors: as
/// `vp_image_encoder_embed`.
///
/// # Safety
/// `encoder` is NULL or live; `images` is NULL (only with `count` 0) or
/// points to `count` valid `vp_image`; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_embed_batch(
    encoder: *const vp_image_encoder,
    images: *const vp_image,
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
        let inputs = unsafe { image_inputs(images, count, "images") }?;
        let embeddings = encoder.inner.embed_batch(&inputs)?;
        *out = embeddings_into_raw(embeddings, encoder.inner.dim(), encoder.inner.model_id());
        Ok(())
    })
}

/// Decodes and preprocesses one image into the model's input tensor
/// (without the batch axis): exactly what `vp_image_encoder_embed` feeds
/// the model, for checking a pipeline against another.
///
/// On success `*out` is a new `vp_image_tensor` to free with
/// `vp_image_tensor_free`; on failure `*out` is NULL. Errors: the image
/// errors of `vp_image_encoder_embed`.
///
/// # Safety
/// `encoder` is NULL or live; `image` is NULL or valid as its kind says;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_encoder_preprocess(
    encoder: *const vp_image_encoder,
    image: *const vp_image,
    out: *mut *mut vp_image_tensor,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let image = unsafe { ref_arg(image, "image") }?;
        // SAFETY: as above.
        let input = unsafe { image_input(image) }?;
        *out = image_tensor_into_raw(encoder.inner.preprocess(input)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_cores_and_failures_leave_null() {
        let c = vp_image_encoder_config_default();
        assert!(c.normalize && c.model_id.is_null() && c.dim == 0);
        assert_eq!(c.max_bytes, ImageLimits::default().max_bytes);
        let mut enc: *mut vp_image_encoder = std::ptr::dangling_mut();
        // SAFETY: static strings and a live out-pointer.
        unsafe {
            assert_eq!(
                vp_image_encoder_new(c"m.onnx".as_ptr(), c"resnet-ish".as_ptr(), &c, &mut enc),
                vp_status::InvalidModelSpec
            );
            assert!(enc.is_null());
            assert_eq!(
                vp_image_encoder_new(c"m.onnx".as_ptr(), std::ptr::null(), &c, &mut enc),
                vp_status::NullPointer
            );
            assert_eq!(vp_image_encoder_dim(std::ptr::null()), 0);
            assert!(vp_image_encoder_model_id(std::ptr::null()).is_null());
            vp_image_encoder_free(std::ptr::null_mut());
        }
    }
}
