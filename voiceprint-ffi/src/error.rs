//! Errors at the C boundary: core errors, bad pointers and strings, panics;
//! the thread-local last message; the guard every entry point runs in.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::vp_status;

/// Why a call failed.
#[derive(Debug)]
pub(crate) enum FfiError {
    /// The core library refused the call.
    Core(voiceprint_core::Error),
    /// A required pointer argument was NULL.
    NullPointer(&'static str),
    /// Something asked for that the library does not have (no built-in
    /// gender classifier for a model); the text says what.
    NotFound(String),
    /// A string argument was not UTF-8.
    InvalidUtf8 {
        /// The argument's name.
        name: &'static str,
        /// Where the first bad byte is.
        valid_up_to: usize,
    },
}

impl FfiError {
    fn status(&self) -> vp_status {
        match self {
            FfiError::Core(e) => e.kind().into(),
            FfiError::NullPointer(_) => vp_status::NullPointer,
            FfiError::NotFound(_) => vp_status::NotFound,
            FfiError::InvalidUtf8 { .. } => vp_status::InvalidUtf8,
        }
    }

    fn message(&self) -> String {
        match self {
            FfiError::Core(e) => e.to_string(),
            FfiError::NullPointer(name) => {
                format!("argument `{name}` is NULL; pass a valid pointer")
            }
            FfiError::NotFound(what) => what.clone(),
            FfiError::InvalidUtf8 { name, valid_up_to } => format!(
                "argument `{name}` is not valid UTF-8 (bad byte at offset {valid_up_to}); \
                 strings passed to voiceprint must be NUL-terminated UTF-8"
            ),
        }
    }
}

impl From<voiceprint_core::Error> for FfiError {
    fn from(e: voiceprint_core::Error) -> Self {
        FfiError::Core(e)
    }
}

/// What an entry point's body returns.
pub(crate) type FfiResult<T = ()> = Result<T, FfiError>;

thread_local! {
    /// The calling thread's last failure message; replaced by each failing
    /// call, left alone by successful ones (like `errno`), except a
    /// `vp_store_hnsw_state` that reports a failed index: its reason.
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

pub(crate) fn set_last_error(message: String) {
    // A message with an interior NUL (from a file name, say) is cut there
    // rather than lost.
    let text = crate::strings::c_string(message);
    // `try_with`: during thread teardown the slot may be gone; the status
    // code still reaches the caller.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = text);
}

/// Runs an entry point's body: catches panics so that nothing unwinds into
/// C, records the message of a failure for `vp_last_error_message`, and
/// turns the outcome into a status.
pub(crate) fn ffi_call(body: impl FnOnce() -> FfiResult) -> vp_status {
    // AssertUnwindSafe: after a panic the body's borrowed state is not used
    // again by this call; the handles themselves hold only core types whose
    // locks (parking_lot) do not poison and whose invariants core keeps.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => vp_status::Ok,
        Ok(Err(e)) => {
            set_last_error(e.message());
            e.status()
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_string());
            set_last_error(format!(
                "internal error (panic) in voiceprint: {what}; this is a bug, please report it"
            ));
            vp_status::Panic
        }
    }
}

/// Runs an infallible getter: catches panics and returns `fallback` then.
pub(crate) fn ffi_get<T>(fallback: T, body: impl FnOnce() -> Option<T>) -> T {
    catch_unwind(AssertUnwindSafe(body))
        .ok()
        .flatten()
        .unwrap_or(fallback)
}

/// The message of the calling thread's last failed call, as UTF-8 text
/// (or, after a `vp_store_hnsw_state` that reported
/// `VP_HNSW_STATE_FAILED`, why the index failed).
///
/// Never NULL: an empty string when no call has failed on this thread yet.
/// The pointer is owned by the library and stays valid until the next
/// failing call on the same thread (or the thread's exit); copy the text
/// to keep it. Each thread has its own message, so this is thread-safe.
#[no_mangle]
pub extern "C" fn vp_last_error_message() -> *const c_char {
    ffi_get(c"".as_ptr(), || {
        LAST_ERROR
            // The pointer stays valid after `with` returns: the CString's heap
            // buffer lives in the thread-local until it is replaced.
            .try_with(|slot| slot.borrow().as_ptr())
            .ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn last() -> String {
        // SAFETY: `vp_last_error_message` never returns NULL and the text is
        // valid until the next failing call on this thread.
        unsafe { CStr::from_ptr(vp_last_error_message()) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn failures_set_the_message_and_successes_keep_it() {
        assert_eq!(
            ffi_call(|| Err(FfiError::NullPointer("out"))),
            vp_status::NullPointer
        );
        assert!(last().contains("`out` is NULL"), "{}", last());
        assert_eq!(ffi_call(|| Ok(())), vp_status::Ok);
        assert!(last().contains("`out` is NULL"));
    }

    #[test]
    fn panics_become_a_status_with_their_message() {
        let status = ffi_call(|| panic!("boom {}", 42));
        assert_eq!(status, vp_status::Panic);
        assert!(last().contains("boom 42"), "{}", last());
        assert_eq!(ffi_get(7, || panic!("getter")), 7);
    }

    #[test]
    fn messages_are_per_thread() {
        ffi_call(|| Err(FfiError::NullPointer("main_thread")));
        std::thread::spawn(|| {
            assert_eq!(last(), "");
            ffi_call(|| Err(FfiError::NullPointer("other_thread")));
            assert!(last().contains("other_thread"));
        })
        .join()
        .unwrap();
        assert!(last().contains("main_thread"));
    }

    #[test]
    fn interior_nul_is_cut_not_lost() {
        set_last_error("before\0after".to_string());
        assert_eq!(last(), "before");
    }
}
