//! Runtime setup (ONNX Runtime library, execution provider, threads) and
//! version strings.

use std::ffi::{c_char, CString};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use voiceprint_core::runtime::{ExecutionProvider, Runtime, RuntimeConfig};

use crate::args::opt_str_arg;
use crate::error::{ffi_call, ffi_get};
use crate::status::vp_status;

/// The settings `vp_runtime_init` was last given; encoders made afterwards
/// load their models with them. `None` until then: core's defaults.
static CONFIG: Mutex<Option<RuntimeConfig>> = Mutex::new(None);

/// The runtime settings encoders are created with.
pub(crate) fn runtime_config() -> RuntimeConfig {
    // A poisoned lock only means a panic happened while it was held; the
    // `Option` inside is still whole.
    let guard = CONFIG.lock().unwrap_or_else(|e| e.into_inner());
    guard.clone().unwrap_or_default()
}

/// Loads ONNX Runtime and sets how models run. Optional: without it the
/// first `vp_speaker_encoder_new` loads ONNX Runtime with the defaults
/// (library found automatically, CPU, one thread per core).
///
/// - `library_path`: `libonnxruntime.so` (or the folder holding it), or
///   NULL to search `$VOICEPRINT_ORT_LIB`, `$ORT_DYLIB_PATH`, the project's
///   `third_party/onnxruntime/lib` and an installed Python `onnxruntime`.
/// - `provider`: `"cpu"`, `"cuda"`, `"cuda:1"`, `"tensorrt:0"`, or NULL for
///   CPU. GPU providers fall back to CPU (with a logged warning) when they
///   cannot start.
/// - `intra_op_threads`: threads ONNX Runtime uses inside one operator;
///   0 lets it choose.
///
/// One ONNX Runtime library per process: a later call naming a different
/// library fails with `VP_STATUS_RUNTIME_INIT`; `provider` and
/// `intra_op_threads` apply to encoders created after each call.
///
/// Errors: `VP_STATUS_RUNTIME_NOT_FOUND`, `VP_STATUS_RUNTIME_INIT`,
/// `VP_STATUS_INVALID_ARGUMENT` (unknown provider), `VP_STATUS_INVALID_UTF8`.
/// Thread-safe.
///
/// # Safety
/// Each string is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn vp_runtime_init(
    library_path: *const c_char,
    provider: *const c_char,
    intra_op_threads: u32,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let library_path = unsafe { opt_str_arg(library_path, "library_path") }?;
        // SAFETY: as above.
        let provider = unsafe { opt_str_arg(provider, "provider") }?;
        let config = RuntimeConfig {
            library_path: library_path.map(PathBuf::from),
            provider: match provider {
                Some(p) => p.parse::<ExecutionProvider>()?,
                None => ExecutionProvider::Cpu,
            },
            intra_op_threads: usize::try_from(intra_op_threads).unwrap_or(usize::MAX),
        };
        Runtime::init(&config)?;
        *CONFIG.lock().unwrap_or_else(|e| e.into_inner()) = Some(config);
        Ok(())
    })
}

/// The version of libvoiceprint, e.g. `"0.1.0"`. A static string: never
/// NULL, never freed. Thread-safe.
#[no_mangle]
pub extern "C" fn vp_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The version of the ONNX Runtime library loaded, e.g. `"1.32.0"`, or
/// NULL before it is loaded (by `vp_runtime_init` or the first encoder).
/// A static string once non-NULL: never freed. Thread-safe.
#[no_mangle]
pub extern "C" fn vp_onnxruntime_version() -> *const c_char {
    static VERSION: OnceLock<CString> = OnceLock::new();
    ffi_get(std::ptr::null(), || {
        let runtime = Runtime::get()?;
        let version = VERSION.get_or_init(|| crate::strings::c_string(runtime.version()));
        Some(version.as_ptr())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(vp_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn unknown_provider_and_missing_library_are_refused() {
        // SAFETY: static NUL-terminated strings.
        unsafe {
            assert_eq!(
                vp_runtime_init(std::ptr::null(), c"tpu".as_ptr(), 0),
                vp_status::InvalidArgument
            );
            assert_eq!(
                vp_runtime_init(
                    c"/nonexistent/libonnxruntime.so".as_ptr(),
                    std::ptr::null(),
                    0
                ),
                vp_status::RuntimeNotFound
            );
            let bad = b"\xff\0";
            assert_eq!(
                vp_runtime_init(bad.as_ptr().cast(), std::ptr::null(), 0),
                vp_status::InvalidUtf8
            );
        }
    }
}
