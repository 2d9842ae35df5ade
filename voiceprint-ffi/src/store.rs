//! `vp_store`: where voiceprints (and image or any other vectors) are
//! kept and searched, with its index options and HNSW state. Mirrors core's
//! `VectorStore` implementations `SqliteStore` and `MemoryStore`.

use std::ffi::{c_char, CString};
use std::sync::Arc;

use voiceprint_core::store::{
    IndexOptions, MemoryStore, Record, RecordMeta, SqliteStore, VectorStore,
};

use crate::args::{
    opt_out_arg, opt_str_array_arg, out_arg, ref_arg, rows_arg, str_arg, str_array_arg,
};
use crate::error::{ffi_call, ffi_get, set_last_error, FfiResult};
use crate::index_options::{
    hnsw_status, options_arg, vp_hnsw_status, vp_index_options, vp_storage,
};
use crate::matches::{
    batch_search_matches_into_raw, search_matches_into_raw, vp_batch_matches, vp_matches,
};
use crate::status::vp_status;
use crate::strings::c_string;

/// A vector store bound to one model id and dimension; it refuses vectors
/// of any other model.
///
/// Thread safety: functions taking a `const vp_store *` may be called from
/// many threads at once (many threads can search while others upsert or
/// remove). Engines and image indexes made from it keep their own
/// reference, so it may be freed while they live; a SQLite file is closed
/// (and a changed HNSW graph saved beside it) when the last of them is
/// freed.
#[allow(non_camel_case_types)]
pub struct vp_store {
    pub(crate) inner: Arc<dyn VectorStore>,
    /// The in-memory index behind `inner` (the store itself, or the SQLite
    /// store's copy), for its options and HNSW state.
    index: IndexRef,
    model_id: CString,
}

/// The concrete store behind a handle.
enum IndexRef {
    Memory(Arc<MemoryStore>),
    Sqlite(Arc<SqliteStore>),
}

impl IndexRef {
    fn memory_index(&self) -> &MemoryStore {
        match self {
            IndexRef::Memory(m) => m,
            IndexRef::Sqlite(s) => s.index(),
        }
    }
}

fn into_handle(index: IndexRef) -> *mut vp_store {
    let inner: Arc<dyn VectorStore> = match &index {
        IndexRef::Memory(m) => m.clone(),
        IndexRef::Sqlite(s) => s.clone(),
    };
    let model_id = c_string(inner.model_id());
    Box::into_raw(Box::new(vp_store {
        inner,
        index,
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
    open: impl FnOnce() -> FfiResult<IndexRef>,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    *out = into_handle(open()?);
    Ok(())
}

/// Core's options from an optional C struct: NULL is the defaults.
///
/// # Safety
/// `options` is NULL or points to a valid `vp_index_options`.
unsafe fn opt_options_arg(options: *const vp_index_options) -> FfiResult<IndexOptions> {
    // SAFETY: forwarded contract of this function.
    match unsafe { options.as_ref() } {
        Some(o) => options_arg(o),
        None => Ok(IndexOptions::default()),
    }
}

/// Opens the SQLite store at `path`, creating the file for `model_id` and
/// `dim` if it does not exist (e.g. `vp_speaker_encoder_model_id(enc)` and
/// `vp_speaker_encoder_dim(enc)`). Durable and crash-safe; several
/// processes may open the same file. The default index options: see
/// `vp_store_sqlite_create_or_open_with`.
///
/// On success `*out` is a new handle to free with `vp_store_free` (which
/// closes the file once no engine uses it); on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_MISMATCH` / `VP_STATUS_DIMENSION_MISMATCH`
/// (the file holds another model's vectors), `VP_STATUS_INVALID_ARGUMENT`
/// (`dim` 0, empty model id), `VP_STATUS_STORE`, `VP_STATUS_IO`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
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
    // SAFETY: forwarded contract of this function (NULL options are the defaults).
    unsafe { vp_store_sqlite_create_or_open_with(path, model_id, dim, std::ptr::null(), out) }
}

/// `vp_store_sqlite_create_or_open` with index options for the in-memory
/// copy the store searches (the file always keeps float32): `options`
/// NULL for `vp_index_options_default()`. With `options->hnsw_enabled`
/// the HNSW graph is saved beside the file (`<path>.hnsw`,
/// `<path>.hnsw.keys`) by `vp_store_flush` and when the store is closed,
/// and loaded on the next open when it matches the file (else rebuilt).
///
/// Errors: those of `vp_store_sqlite_create_or_open`, and
/// `VP_STATUS_INVALID_ARGUMENT` for a bad option (an enum field that is
/// not one of its values, an HNSW setting out of its range).
///
/// # Safety
/// Strings are NULL or NUL-terminated; `options` is NULL or valid; `out`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_sqlite_create_or_open_with(
    path: *const c_char,
    model_id: *const c_char,
    dim: usize,
    options: *const vp_index_options,
    out: *mut *mut vp_store,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            open_into(out, || {
                let path = str_arg(path, "path")?;
                let model_id = str_arg(model_id, "model_id")?;
                let options = opt_options_arg(options)?;
                let store = SqliteStore::create_or_open_with(path, model_id, dim, options)?;
                Ok(IndexRef::Sqlite(Arc::new(store)))
            })
        }
    })
}

/// Opens an existing SQLite store; its model id and dimension are read
/// from the file. The default index options; `*out` as in
/// `vp_store_sqlite_create_or_open`.
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
    // SAFETY: forwarded contract of this function (NULL options are the defaults).
    unsafe { vp_store_sqlite_open_with(path, std::ptr::null(), out) }
}

/// `vp_store_sqlite_open` with index options (`options` NULL for the
/// defaults), as in `vp_store_sqlite_create_or_open_with`.
///
/// Errors: those of `vp_store_sqlite_open`, and
/// `VP_STATUS_INVALID_ARGUMENT` for a bad option.
///
/// # Safety
/// `path` is NULL or NUL-terminated; `options` is NULL or valid; `out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_sqlite_open_with(
    path: *const c_char,
    options: *const vp_index_options,
    out: *mut *mut vp_store,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            open_into(out, || {
                let path = str_arg(path, "path")?;
                let options = opt_options_arg(options)?;
                Ok(IndexRef::Sqlite(Arc::new(SqliteStore::open_with(
                    path, options,
                )?)))
            })
        }
    })
}

/// A new, empty in-memory store (exact search; gone when freed), with the
/// default index options. `*out` as in `vp_store_sqlite_create_or_open`.
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
    // SAFETY: forwarded contract of this function (NULL options are the defaults).
    unsafe { vp_store_memory_new_with(model_id, dim, std::ptr::null(), out) }
}

/// `vp_store_memory_new` with index options (`options` NULL for
/// `vp_index_options_default()`): float16 rows for half the memory, the
/// compressed scan, an HNSW index.
///
/// Errors: those of `vp_store_memory_new`, and
/// `VP_STATUS_INVALID_ARGUMENT` for a bad option (an enum field that is
/// not one of its values, an HNSW setting out of its range).
///
/// # Safety
/// `model_id` is NULL or NUL-terminated; `options` is NULL or valid;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_memory_new_with(
    model_id: *const c_char,
    dim: usize,
    options: *const vp_index_options,
    out: *mut *mut vp_store,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            open_into(out, || {
                let model_id = str_arg(model_id, "model_id")?;
                let options = opt_options_arg(options)?;
                let store = MemoryStore::with_options(model_id, dim, options)?;
                Ok(IndexRef::Memory(Arc::new(store)))
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

/// Inserts or replaces `count` raw vectors in one batch (one transaction
/// in a SQLite file): row `i` of `vectors` (row-major, `dim` floats each)
/// under `ids[i]`. Vectors are kept as given: normalise them for cosine
/// scores. All or nothing: every id and row is checked before anything is
/// written. A replaced record gets the new vector and loses its metadata
/// (status active, enrollment count 1, no labels).
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the store's),
/// `VP_STATUS_INVALID_ID` (any id), `VP_STATUS_INVALID_ARGUMENT` (`count`
/// 0, an id given twice, a non-finite value, `count * dim` too large),
/// `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `store` is NULL or live; `ids` is NULL or points to `count` pointers,
/// each NULL or a NUL-terminated string; `vectors` is NULL or points to
/// `count * dim` floats.
#[no_mangle]
pub unsafe extern "C" fn vp_store_upsert_vectors(
    store: *const vp_store,
    ids: *const *const c_char,
    vectors: *const f32,
    count: usize,
    dim: usize,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let store = unsafe { ref_arg(store, "store") }?;
        // SAFETY: as above.
        let ids = unsafe { str_array_arg(ids, count, "ids", "ids[i]") }?;
        // SAFETY: as above.
        let rows = unsafe { rows_arg(vectors, count, dim, store.inner.dim(), "vectors") }?;
        if count == 0 {
            return Err(voiceprint_core::Error::invalid_argument(
                "count",
                "give at least one vector",
            )
            .into());
        }
        let records: Vec<Record> = ids
            .iter()
            .zip(rows.chunks_exact(dim))
            .map(|(id, v)| Record {
                id: id.to_string(),
                vector: v.to_vec(),
                meta: RecordMeta {
                    enrollment_count: 1,
                    ..Default::default()
                },
            })
            .collect();
        store.inner.upsert_batch(records)?;
        Ok(())
    })
}

/// The `k` active records with the highest dot product with `query` (`dim`
/// floats, used as given), best first (ties by id); restricted to
/// `candidates` (an array of `candidates_len` ids; unknown ones are
/// ignored) when it is not NULL. Exact, unless the store has a ready HNSW
/// index (`vp_store_hnsw_state`), whose hits are rescored exactly.
///
/// On success `*out` is a new `vp_matches` to free with `vp_matches_free`
/// (its `best` is NULL and `threshold` NaN: a search decides nothing); on
/// failure `*out` is NULL.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the store's),
/// `VP_STATUS_INVALID_ARGUMENT` (`k` 0, a non-finite value),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8` (a candidate id).
///
/// # Safety
/// `store` is NULL or live; `query` is NULL or points to `dim` floats;
/// `candidates` is NULL or points to `candidates_len` NUL-terminated
/// strings; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_search(
    store: *const vp_store,
    query: *const f32,
    dim: usize,
    k: usize,
    candidates: *const *const c_char,
    candidates_len: usize,
    out: *mut *mut vp_matches,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        // SAFETY: as above.
        let query = unsafe { rows_arg(query, 1, dim, store.inner.dim(), "query") }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found = store.inner.search(query, k, candidates.as_deref())?;
        *out = search_matches_into_raw(found);
        Ok(())
    })
}

/// `vp_store_search` for `num_queries` query vectors at once: `queries`
/// holds them row-major, `dim` floats each, scored through the batched
/// kernel (a blocked matrix product over all threads, or the HNSW index in
/// parallel when it is ready). Result `i` is exactly what
/// `vp_store_search` returns for row `i` (same ids, order and scores).
///
/// On success `*out` is a new `vp_batch_matches` of `num_queries`
/// `vp_matches` (each with `best` NULL and `threshold` NaN) to free with
/// `vp_batch_matches_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the store's),
/// `VP_STATUS_INVALID_ARGUMENT` (`num_queries` 0, `k` 0, a non-finite
/// value, `num_queries * dim` too large), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8` (a candidate id).
///
/// # Safety
/// `store` is NULL or live; `queries` is NULL or points to
/// `num_queries * dim` floats; `candidates` as in `vp_store_search`; `out`
/// is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_search_batch(
    store: *const vp_store,
    queries: *const f32,
    num_queries: usize,
    dim: usize,
    k: usize,
    candidates: *const *const c_char,
    candidates_len: usize,
    out: *mut *mut vp_batch_matches,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        // SAFETY: as above.
        let queries = unsafe { rows_arg(queries, num_queries, dim, store.inner.dim(), "queries") }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found = store
            .inner
            .search_batch(queries, k, candidates.as_deref())?;
        *out = batch_search_matches_into_raw(found);
        Ok(())
    })
}

/// Removes the record stored under `id`. `*removed` (if `removed` is not
/// NULL) says whether it existed; removing an unknown id is not an error.
/// A removed record is never returned by a search again, HNSW index or not.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `store` is NULL or live; `id` is NULL or NUL-terminated; `removed` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_remove(
    store: *const vp_store,
    id: *const c_char,
    removed: *mut bool,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let store = unsafe { ref_arg(store, "store") }?;
        // SAFETY: as above.
        let id = unsafe { str_arg(id, "id") }?;
        let existed = store.inner.remove(id)?;
        // SAFETY: as above.
        if let Some(r) = unsafe { opt_out_arg(removed) } {
            *r = existed;
        }
        Ok(())
    })
}

/// Writes pending state out: a SQLite store's write-ahead log into its
/// file, and a changed HNSW graph beside it. A no-op for a memory store.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_IO`, `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `store` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn vp_store_flush(store: *const vp_store) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let store = unsafe { ref_arg(store, "store") }?;
        store.inner.flush()?;
        Ok(())
    })
}

/// What the store's HNSW index is doing, into `*out`: off (none was asked
/// for), waiting (for `min_records` records), ready (`records`,
/// `memory_bytes`, `loaded_from_file`) or failed (searches are exact until
/// `vp_store_rebuild_hnsw` succeeds). A failed state is not a failed call:
/// the status is `VP_STATUS_OK`, and the reason is written to the calling
/// thread's `vp_last_error_message()`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `store` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_hnsw_state(
    store: *const vp_store,
    out: *mut vp_hnsw_status,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        let (status, reason) = hnsw_status(store.index.memory_index().hnsw_state());
        if let Some(reason) = reason {
            set_last_error(format!("the HNSW index failed: {reason}"));
        }
        *out = status;
        Ok(())
    })
}

/// Rebuilds the store's HNSW index from its records now, whatever their
/// number: after a failure, or to compact a graph that has seen many
/// removals. Blocks writers for the build's duration; searches go on.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (the store was opened without
/// `hnsw_enabled`), `VP_STATUS_STORE` (the build failed),
/// `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `store` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn vp_store_rebuild_hnsw(store: *const vp_store) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let store = unsafe { ref_arg(store, "store") }?;
        store.index.memory_index().rebuild_hnsw()?;
        Ok(())
    })
}

/// Bytes of memory held for the vectors into `*out`: the rows (4 bytes a
/// value in float32 storage, 2 in float16) and the int8 copy of the
/// compressed scan; ids, metadata and an HNSW graph not counted.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `store` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_vector_bytes(
    store: *const vp_store,
    out: *mut usize,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        *out = store.index.memory_index().vector_bytes();
        Ok(())
    })
}

/// The element type the store keeps its rows in (`VP_STORAGE_F32` or
/// `VP_STORAGE_F16`, as it was opened with) into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `store` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_store_storage(
    store: *const vp_store,
    out: *mut vp_storage,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        *out = store.index.memory_index().options().storage.into();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_options::{vp_hnsw_state, vp_index_options_default};

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

    /// Unit vectors along axes 0..n of dimension `dim`, row-major.
    fn axes(n: usize, dim: usize) -> Vec<f32> {
        let mut v = vec![0.0; n * dim];
        for i in 0..n {
            v[i * dim + i % dim] = 1.0;
        }
        v
    }

    #[test]
    fn raw_vectors_go_in_and_come_back_ranked() {
        let mut store: *mut vp_store = std::ptr::null_mut();
        let ids = [c"a".as_ptr(), c"b".as_ptr(), c"c".as_ptr()];
        let rows = axes(3, 4);
        // SAFETY: live strings, buffers and out-pointers; every result and
        // the handle freed once.
        unsafe {
            assert_eq!(
                vp_store_memory_new_with(c"m".as_ptr(), 4, std::ptr::null(), &mut store),
                vp_status::Ok
            );
            assert_eq!(
                vp_store_upsert_vectors(store, ids.as_ptr(), rows.as_ptr(), 3, 4),
                vp_status::Ok
            );
            assert_eq!(
                vp_store_upsert_vectors(store, ids.as_ptr(), rows.as_ptr(), 3, 5),
                vp_status::DimensionMismatch
            );
            assert_eq!(
                vp_store_upsert_vectors(store, ids.as_ptr(), rows.as_ptr(), 0, 4),
                vp_status::InvalidArgument
            );
            let mut m: *mut vp_matches = std::ptr::dangling_mut();
            assert_eq!(
                vp_store_search(store, rows[4..].as_ptr(), 4, 2, std::ptr::null(), 0, &mut m),
                vp_status::Ok
            );
            let found = std::slice::from_raw_parts((*m).items, (*m).len);
            assert_eq!(found.len(), 2);
            assert_eq!(std::ffi::CStr::from_ptr(found[0].id).to_str().unwrap(), "b");
            assert_eq!(found[0].score, 1.0);
            crate::matches::vp_matches_free(m);
            assert_eq!(
                vp_store_search(store, rows.as_ptr(), 4, 0, std::ptr::null(), 0, &mut m),
                vp_status::InvalidArgument
            );
            assert!(m.is_null());
            let mut b: *mut vp_batch_matches = std::ptr::null_mut();
            let only = [c"c".as_ptr()];
            assert_eq!(
                vp_store_search_batch(store, rows.as_ptr(), 3, 4, 3, only.as_ptr(), 1, &mut b),
                vp_status::Ok
            );
            assert_eq!((*b).len, 3);
            let per_query = std::slice::from_raw_parts((*b).items, 3);
            assert!(per_query.iter().all(|q| q.len == 1));
            crate::matches::vp_batch_matches_free(b);
            let mut removed = false;
            assert_eq!(
                vp_store_remove(store, c"a".as_ptr(), &mut removed),
                vp_status::Ok
            );
            assert!(removed);
            assert_eq!(
                vp_store_remove(store, c"a".as_ptr(), &mut removed),
                vp_status::Ok
            );
            assert!(!removed);
            let mut n = 0;
            assert_eq!(vp_store_count(store, &mut n), vp_status::Ok);
            assert_eq!(n, 2);
            assert_eq!(vp_store_flush(store), vp_status::Ok);
            vp_store_free(store);
        }
    }

    #[test]
    fn options_reach_the_index_and_bad_ones_are_refused() {
        let mut options = vp_index_options_default();
        options.storage = vp_storage::F16 as u32;
        options.compressed_scan = false;
        options.hnsw_enabled = true;
        options.hnsw_min_records = 10;
        let mut store: *mut vp_store = std::ptr::null_mut();
        // SAFETY: live strings, structs and out-pointers; the handle freed once.
        unsafe {
            assert_eq!(
                vp_store_memory_new_with(c"m".as_ptr(), 8, &options, &mut store),
                vp_status::Ok
            );
            let mut storage = vp_storage::F32;
            assert_eq!(vp_store_storage(store, &mut storage), vp_status::Ok);
            assert_eq!(storage, vp_storage::F16);
            let mut state = hnsw_status(voiceprint_core::store::HnswState::Off).0;
            assert_eq!(vp_store_hnsw_state(store, &mut state), vp_status::Ok);
            assert_eq!(state.state, vp_hnsw_state::Waiting);
            assert_eq!(state.min_records, 10);
            assert_eq!(vp_store_rebuild_hnsw(store), vp_status::Ok);
            assert_eq!(vp_store_hnsw_state(store, &mut state), vp_status::Ok);
            assert_eq!(state.state, vp_hnsw_state::Ready);
            let mut bytes = 99;
            assert_eq!(vp_store_vector_bytes(store, &mut bytes), vp_status::Ok);
            assert_eq!(bytes, 0);
            vp_store_free(store);

            let mut other: *mut vp_store = std::ptr::dangling_mut();
            options.hnsw_quantization = 3;
            assert_eq!(
                vp_store_memory_new_with(c"m".as_ptr(), 8, &options, &mut other),
                vp_status::InvalidArgument
            );
            assert!(other.is_null());
            options.hnsw_quantization = 0;
            options.hnsw_connectivity = 0;
            assert_eq!(
                vp_store_memory_new_with(c"m".as_ptr(), 8, &options, &mut other),
                vp_status::InvalidArgument
            );
            // Without an index there is nothing to rebuild.
            assert_eq!(
                vp_store_memory_new(c"m".as_ptr(), 8, &mut other),
                vp_status::Ok
            );
            assert_eq!(vp_store_rebuild_hnsw(other), vp_status::InvalidArgument);
            assert_eq!(vp_store_hnsw_state(other, &mut state), vp_status::Ok);
            assert_eq!(state.state, vp_hnsw_state::Off);
            vp_store_free(other);
        }
    }
}
