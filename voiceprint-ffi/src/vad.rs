//! `vp_vad`: Silero voice activity detection, the diarizer's speech finder.
//! Mirrors core's `SileroVad`.

use std::ffi::c_char;
use std::sync::Arc;

use voiceprint_core::vad::SileroVad;

use crate::args::{out_arg, str_arg};
use crate::error::{ffi_call, ffi_get};
use crate::runtime::runtime_config;
use crate::status::vp_status;

/// Silero VAD (`models/silero_vad.onnx`): where the speech is.
///
/// Thread safety: a `const vp_vad *` may be used by many threads at once
/// (each run keeps its own recurrent state). Diarizers made from it keep
/// their own reference, so it may be freed while they live.
#[allow(non_camel_case_types)]
pub struct vp_vad {
    pub(crate) inner: Arc<SileroVad>,
}

/// Loads Silero VAD from `model_path` (the `silero_vad.onnx` of the
/// `silero-vad` package; `scripts/setup.sh` puts it in `models/`) and
/// checks it has Silero's inputs and outputs.
///
/// Loads ONNX Runtime first if needed, with the settings of the last
/// `vp_runtime_init` (or the defaults), as `vp_speaker_encoder_new` does.
/// On success `*out` is a new handle to free with `vp_vad_free`; on
/// failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_LOAD` (missing file, not ONNX, not Silero's
/// inputs), `VP_STATUS_RUNTIME_NOT_FOUND`, `VP_STATUS_RUNTIME_INIT`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `model_path` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_vad_new(model_path: *const c_char, out: *mut *mut vp_vad) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let model_path = unsafe { str_arg(model_path, "model_path") }?;
        let vad = SileroVad::load(model_path, &runtime_config())?;
        *out = Box::into_raw(Box::new(vp_vad {
            inner: Arc::new(vad),
        }));
        Ok(())
    })
}

/// Frees a VAD handle. NULL is a no-op. Diarizers made from it keep working.
///
/// # Safety
/// `vad` is NULL or a handle from `vp_vad_new` not freed yet, and no other
/// thread is using it.
#[no_mangle]
pub unsafe extern "C" fn vp_vad_free(vad: *mut vp_vad) {
    ffi_get((), || {
        if !vad.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_vad_new` and is freed only once.
            drop(unsafe { Box::from_raw(vad) });
        }
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_and_bad_arguments_are_statuses() {
        let mut vad: *mut vp_vad = std::ptr::dangling_mut();
        // SAFETY: static strings and a live out-pointer.
        unsafe {
            assert_eq!(
                vp_vad_new(c"/nonexistent/silero_vad.onnx".as_ptr(), &mut vad),
                vp_status::ModelLoad
            );
            assert!(vad.is_null());
            assert_eq!(
                vp_vad_new(std::ptr::null(), &mut vad),
                vp_status::NullPointer
            );
            assert_eq!(
                vp_vad_new(c"x.onnx".as_ptr(), std::ptr::null_mut()),
                vp_status::NullPointer
            );
            vp_vad_free(std::ptr::null_mut());
        }
    }
}
