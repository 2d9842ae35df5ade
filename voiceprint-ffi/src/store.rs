//! `vp_store`: where voiceprints are kept and searched. Mirrors core's
//! `VectorStore` implementations `SqliteStore` and `MemoryStore`.

use std::ffi::{c_char, CString};
use std::sync::Arc;

use voiceprint_core::store::{MemoryStore, SqliteStore, VectorStore};

use crate::args::{out_arg, ref_arg, str_arg};
use crate::error::{ffi_call, ffi_get, FfiResult};
use crate::status::vp_status;
use crate::strings::c_string;

/// A vector store bound to one model id and dimension; it refuses vectors
/// of any other model.
///
/// Thread safety: functions taking a `const vp_store *` may be called from
/// many threads at once. Engines made from it keep their own reference, so
/// it may be freed while they live; a SQLite file is closed when the last
/// of them is freed.
#[allow(non_camel_case_types)]
pub struct vp_store {
    pub(crate) inner: Arc<dyn VectorStore>,
    model_id: CString,
}

fn into_handle(store: Arc<dyn VectorStore>) -> *mut vp_store {
    let model_id = c_string(store.model_id());
    Box::into_raw(Box::new(vp_store {
        inner: store,
        model_id,
    }))
}

/// Writes a new store handle through `out` (NULL first, so a failure
/// leaves NULL behind).
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn open_into(
    out: *mut *mut vp_store,
    open: impl FnOnce() -> FfiResult<Arc<dyn VectorStore>>,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    *out = into_handle(open()?);
    Ok(())
}

/// Opens the SQLite store at `path`, creating the file for `model_id` and
/// `dim` if it does not exist (e.g. `vp_speaker_encoder_model_id(enc)` and
/// `vp_speaker_encoder_dim(enc)`). Durable and crash-safe; several
/// processes may open the same file.
///
/// On success `*out` is a new handle to free with `vp_store_free` (which
/// closes the file once no engine uses it); on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_MISMATCH` / `VP_STATUS_DIMENSION_MISMATCH`
/// (the file holds another model's vectors), `VP_STATUS_STORE`,
/// `VP_STATUS_IO`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_sqlite_create_or_open(
    path: *const c_char,
    model_id: *const c_char,
    dim: usize,
    out: *mut *mut vp_store,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            open_into(out, || {
                let path = str_arg(path, "path")?;
                let model_id = str_arg(model_id, "model_id")?;
                Ok(Arc::new(SqliteStore::create_or_open(path, model_id, dim)?))
            })
        }
    })
}

/// Opens an existing SQLite store; its model id and dimension are read
/// from the file. `*out` as in `vp_store_sqlite_create_or_open`.
///
/// Errors: `VP_STATUS_IO` / `VP_STATUS_STORE` (missing or not a voiceprint
/// store), `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_sqlite_open(
    path: *const c_char,
    out: *mut *mut vp_store,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            open_into(out, || {
                let path = str_arg(path, "path")?;
                Ok(Arc::new(SqliteStore::open(path)?))
            })
        }
    })
}

/// A new, empty in-memory store (exact search; gone when freed).
/// `*out` as in `vp_store_sqlite_create_or_open`.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (`dim` 0, empty model id),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `model_id` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_memory_new(
    model_id: *const c_char,
    dim: usize,
    out: *mut *mut vp_store,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            open_into(out, || {
                let model_id = str_arg(model_id, "model_id")?;
                Ok(Arc::new(MemoryStore::new(model_id, dim)?))
            })
        }
    })
}

/// Frees (closes) a store handle. NULL is a no-op. Engines made from it
/// keep working.
///
/// # Safety
/// `store` is NULL or a live handle not freed yet, not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn vp_store_free(store: *mut vp_store) {
    ffi_get((), || {
        if !store.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `into_handle` and is freed only once.
            drop(unsafe { Box::from_raw(store) });
        }
        Some(())
    })
}

/// The model id the store is bound to. Owned by the handle, valid until it
/// is freed; NULL for a NULL handle.
///
/// # Safety
/// `store` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_store_model_id(store: *const vp_store) -> *const c_char {
    ffi_get(std::ptr::null(), || {
        // SAFETY: forwarded contract of this function.
        let s = unsafe { ref_arg(store, "store") }.ok()?;
        Some(s.model_id.as_ptr())
    })
}

/// The vector length the store is bound to; 0 for a NULL handle.
///
/// # Safety
/// `store` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn vp_store_dim(store: *const vp_store) -> usize {
    ffi_get(0, || {
        // SAFETY: forwarded contract of this function.
        let s = unsafe { ref_arg(store, "store") }.ok()?;
        Some(s.inner.dim())
    })
}

/// Number of records (speakers, active and disabled) into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `store` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_count(store: *const vp_store, out: *mut usize) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        *out = store.inner.len();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip_and_null_checks() {
        let mut store: *mut vp_store = std::ptr::null_mut();
        // SAFETY: static strings and live out-pointers; the handle is freed once.
        unsafe {
            assert_eq!(
                vp_store_memory_new(c"m".as_ptr(), 4, &mut store),
                vp_status::Ok
            );
            assert_eq!(vp_store_dim(store), 4);
            let mut n = 99;
            assert_eq!(vp_store_count(store, &mut n), vp_status::Ok);
            assert_eq!(n, 0);
            assert_eq!(
                vp_store_count(std::ptr::null(), &mut n),
                vp_status::NullPointer
            );
            vp_store_free(store);
            let mut other: *mut vp_store = std::ptr::dangling_mut();
            assert_eq!(
                vp_store_memory_new(std::ptr::null(), 4, &mut other),
                vp_status::NullPointer
            );
            assert!(other.is_null(), "a failure leaves NULL behind");
            vp_store_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn sqlite_store_persists_its_binding() {
        let dir = tempfile::tempdir().unwrap();
        let path = c_string(dir.path().join("s.db").to_str().unwrap());
        let mut store: *mut vp_store = std::ptr::null_mut();
        // SAFETY: live strings and out-pointers; each handle freed once.
        unsafe {
            assert_eq!(
                vp_store_sqlite_create_or_open(path.as_ptr(), c"m".as_ptr(), 8, &mut store),
                vp_status::Ok
            );
            vp_store_free(store);
            assert_eq!(
                vp_store_sqlite_open(path.as_ptr(), &mut store),
                vp_status::Ok
            );
            assert_eq!(vp_store_dim(store), 8);
            let id = std::ffi::CStr::from_ptr(vp_store_model_id(store));
            assert_eq!(id.to_str().unwrap(), "m");
            vp_store_free(store);
        }
    }
}
