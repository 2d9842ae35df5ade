//! `vp_image_index`: embed, add and search images by image or by vector.
//! Mirrors core's `ImageIndex`.

use std::ffi::c_char;
use std::sync::Arc;

use voiceprint_core::embed::ImageEncoder;
use voiceprint_core::engine::ImageIndex;
use voiceprint_core::store::VectorStore;

use crate::args::{
    opt_out_arg, opt_str_array_arg, out_arg, ref_arg, rows_arg, slice_arg, str_arg, str_array_arg,
};
use crate::embedding::{embedding_into_raw, vp_embedding};
use crate::error::{ffi_call, FfiResult};
use crate::image_encoder::vp_image_encoder;
use crate::image_input::{image_input, image_inputs, vp_image};
use crate::image_record::{image_record_into_raw, vp_image_record};
use crate::labels::{labels_arg, vp_label};
use crate::matches::{
    batch_search_matches_into_raw, search_matches_into_raw, vp_batch_matches, vp_matches,
};
use crate::speaker::status_arg;
use crate::status::vp_status;
use crate::store::vp_store;
use crate::strings::{string_list_into_raw, vp_string_list};

/// Image feature vectors: an image encoder bound to a store made for the
/// same model. Vectors are stored and queried L2-normalised, so scores are
/// cosines in [-1, 1] whether or not the encoder normalises.
///
/// Thread safety: every function taking a `const vp_image_index *` may be
/// called from many threads at once on the same handle: many threads can
/// search while others add or remove. Only `vp_image_index_free` needs
/// exclusive use.
#[allow(non_camel_case_types)]
pub struct vp_image_index {
    inner: ImageIndex,
}

/// Makes an index from an image encoder and a store bound to the same
/// model id and dimension (e.g. `vp_store_sqlite_create_or_open(path,
/// vp_image_encoder_model_id(enc), vp_image_encoder_dim(enc), &store)`;
/// the SQLite store makes the index durable). The index keeps its own
/// references: the encoder and store handles may be freed at any time
/// afterwards.
///
/// On success `*out` is a new handle to free with `vp_image_index_free`;
/// on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MODEL_MISMATCH`, `VP_STATUS_DIMENSION_MISMATCH`
/// (store made for another model), `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// Handles are NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_new(
    encoder: *const vp_image_encoder,
    store: *const vp_store,
    out: *mut *mut vp_image_index,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let encoder = unsafe { ref_arg(encoder, "encoder") }?;
        // SAFETY: as above.
        let store = unsafe { ref_arg(store, "store") }?;
        let encoder: Arc<dyn ImageEncoder> = encoder.inner.clone();
        let store: Arc<dyn VectorStore> = store.inner.clone();
        let inner = ImageIndex::new(encoder, store)?;
        *out = Box::into_raw(Box::new(vp_image_index { inner }));
        Ok(())
    })
}

/// Frees an index. NULL is a no-op. The store is closed once neither this
/// index nor its store handle (nor an engine) holds it.
///
/// # Safety
/// `index` is NULL or a live handle not freed yet, not in use by any thread.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_free(index: *mut vp_image_index) {
    crate::error::ffi_get((), || {
        if !index.is_null() {
            // SAFETY: per the contract it came from `Box::into_raw` in
            // `vp_image_index_new` and is freed only once.
            drop(unsafe { Box::from_raw(index) });
        }
        Some(())
    })
}

/// Runs `body` with the index and the id argument checked.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated.
unsafe fn with_index_id<'a>(
    index: *const vp_image_index,
    id: *const c_char,
    body: impl FnOnce(&'a ImageIndex, &'a str) -> FfiResult,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let index = unsafe { ref_arg(index, "index") }?;
    // SAFETY: as above.
    let id = unsafe { str_arg(id, "id") }?;
    body(&index.inner, id)
}

/// The unit feature vector of one image, as the index stores and queries
/// it (normalised even when the encoder is not).
///
/// On success `*out` is a new `vp_embedding` to free with
/// `vp_embedding_free`; on failure `*out` is NULL. Errors: the image
/// errors of `vp_image_encoder_embed`.
///
/// # Safety
/// `index` is NULL or live; `image` is NULL or valid as its kind says;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_embed(
    index: *const vp_image_index,
    image: *const vp_image,
    out: *mut *mut vp_embedding,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let image = unsafe { ref_arg(image, "image") }?;
        // SAFETY: as above.
        let input = unsafe { image_input(image) }?;
        *out = embedding_into_raw(index.inner.embed(input)?);
        Ok(())
    })
}

/// Embeds `image` and stores it under `id` with `labels_len` labels
/// (`labels` NULL for none), replacing any image stored under `id` (its
/// creation time and status are kept, its labels replaced).
/// `*replaced` (if `replaced` is not NULL) says whether one was replaced.
///
/// Errors: `VP_STATUS_INVALID_ID`, `VP_STATUS_INVALID_ARGUMENT` (a label
/// key given twice), the image errors of `vp_image_encoder_embed`,
/// `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated; `image` is
/// NULL or valid; `labels` is NULL or points to `labels_len` labels of
/// NUL-terminated strings; `replaced` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_add(
    index: *const vp_image_index,
    id: *const c_char,
    image: *const vp_image,
    labels: *const vp_label,
    labels_len: usize,
    replaced: *mut bool,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_index_id(index, id, |index, id| {
                let input = image_input(ref_arg(image, "image")?)?;
                let labels = labels_arg(labels, labels_len)?;
                let was = index.add(id, input, labels)?;
                if let Some(r) = opt_out_arg(replaced) {
                    *r = was;
                }
                Ok(())
            })
        }
    })
}

/// Embeds `count` images (decoded and preprocessed in parallel, batched
/// through the model) and stores image `i` under `ids[i]`, without
/// labels; nothing is stored when any image fails. `*replaced` (if
/// `replaced` is not NULL) is how many replaced an image stored before.
///
/// Errors: `VP_STATUS_INVALID_ID` (any id), the image errors of
/// `vp_image_encoder_embed`, `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `ids` and `images` are NULL (only with `count`
/// 0) or point to `count` NUL-terminated strings and `count` valid
/// `vp_image`; `replaced` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_add_batch(
    index: *const vp_image_index,
    ids: *const *const c_char,
    images: *const vp_image,
    count: usize,
    replaced: *mut usize,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let ids = unsafe { str_array_arg(ids, count, "ids", "ids[i]") }?;
        // SAFETY: as above.
        let inputs = unsafe { image_inputs(images, count, "images") }?;
        let n = index.inner.add_batch(&ids, &inputs)?;
        // SAFETY: as above.
        if let Some(r) = unsafe { opt_out_arg(replaced) } {
            *r = n;
        }
        Ok(())
    })
}

/// Stores a vector computed elsewhere (another node, `vp_image_index_embed`)
/// under `id`: `dim` floats, normalised here. Labels and `*replaced` as in
/// `vp_image_index_add`.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the index's),
/// `VP_STATUS_INVALID_ARGUMENT` (a zero or non-finite vector, a label key
/// given twice), `VP_STATUS_INVALID_ID`, `VP_STATUS_STORE`,
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated; `vector` is
/// NULL or points to `dim` floats; `labels` and `replaced` as in
/// `vp_image_index_add`.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_add_vector(
    index: *const vp_image_index,
    id: *const c_char,
    vector: *const f32,
    dim: usize,
    labels: *const vp_label,
    labels_len: usize,
    replaced: *mut bool,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_index_id(index, id, |index, id| {
                let vector = slice_arg(vector, dim, "vector")?;
                let labels = labels_arg(labels, labels_len)?;
                let was = index.add_vector(id, vector, labels)?;
                if let Some(r) = opt_out_arg(replaced) {
                    *r = was;
                }
                Ok(())
            })
        }
    })
}

/// The `k` active stored images most similar to `image`, best first, with
/// their cosine scores; restricted to `candidates` (an array of
/// `candidates_len` ids) when it is not NULL.
///
/// On success `*out` is a new `vp_matches` to free with `vp_matches_free`
/// (its `best` is NULL and `threshold` NaN: a search decides nothing); on
/// failure `*out` is NULL.
///
/// Errors: `VP_STATUS_INVALID_ARGUMENT` (`k` 0), the image errors of
/// `vp_image_encoder_embed`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8` (image path or a candidate id).
///
/// # Safety
/// `index` is NULL or live; `image` is NULL or valid; `candidates` is NULL
/// or points to `candidates_len` NUL-terminated strings; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_search(
    index: *const vp_image_index,
    image: *const vp_image,
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
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let input = unsafe { image_input(ref_arg(image, "image")?) }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found = index.inner.search(input, k, candidates.as_deref())?;
        *out = search_matches_into_raw(found);
        Ok(())
    })
}

/// `vp_image_index_search` with a query vector of `dim` floats
/// (normalised here) instead of an image.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the index's),
/// `VP_STATUS_INVALID_ARGUMENT` (`k` 0, a zero or non-finite vector),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8` (a candidate id).
///
/// # Safety
/// `index` is NULL or live; `vector` is NULL or points to `dim` floats;
/// `candidates` and `out` as in `vp_image_index_search`.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_search_vector(
    index: *const vp_image_index,
    vector: *const f32,
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
        let index = unsafe { ref_arg(index, "index") }?;
        // SAFETY: as above.
        let vector = unsafe { slice_arg(vector, dim, "vector") }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found = index
            .inner
            .search_vector(vector, k, candidates.as_deref())?;
        *out = search_matches_into_raw(found);
        Ok(())
    })
}

/// `vp_image_index_search_vector` for `num_queries` query vectors at
/// once: `queries` holds them row-major, `dim` floats each (each
/// normalised here), scored in one pass over the store. Result `i` is
/// exactly what `vp_image_index_search_vector` returns for row `i` (same
/// ids, order and scores).
///
/// On success `*out` is a new `vp_batch_matches` of `num_queries`
/// `vp_matches` (each with `best` NULL and `threshold` NaN) to free with
/// `vp_batch_matches_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`dim` is not the index's),
/// `VP_STATUS_INVALID_ARGUMENT` (`num_queries` 0, `k` 0, a zero or
/// non-finite row, `num_queries * dim` too large), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8` (a candidate id).
///
/// # Safety
/// `index` is NULL or live; `queries` is NULL or points to
/// `num_queries * dim` floats; `candidates` as in `vp_image_index_search`;
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_search_vectors(
    index: *const vp_image_index,
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
        let index = unsafe { ref_arg(index, "index") }?;
        let expected = index.inner.encoder().dim();
        // SAFETY: as above.
        let queries = unsafe { rows_arg(queries, num_queries, dim, expected, "queries") }?;
        // SAFETY: as above.
        let candidates = unsafe {
            opt_str_array_arg(candidates, candidates_len, "candidates", "candidates[i]")
        }?;
        let found = index
            .inner
            .search_vectors(queries, k, candidates.as_deref())?;
        *out = batch_search_matches_into_raw(found);
        Ok(())
    })
}

/// The image stored under `id`: its vector and metadata. On success `*out`
/// is a new `vp_image_record` to free with `vp_image_record_free`, or NULL
/// when no image has this id (not an error); on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_get(
    index: *const vp_image_index,
    id: *const c_char,
    out: *mut *mut vp_image_record,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        // SAFETY: as above.
        unsafe {
            with_index_id(index, id, |index, id| {
                if let Some(record) = index.get(id)? {
                    *out = image_record_into_raw(record);
                }
                Ok(())
            })
        }
    })
}

/// Removes the image stored under `id`. `*removed` (if `removed` is not
/// NULL) says whether it existed; removing an unknown id is not an error.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated; `removed` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_remove(
    index: *const vp_image_index,
    id: *const c_char,
    removed: *mut bool,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_index_id(index, id, |index, id| {
                let existed = index.remove(id)?;
                if let Some(r) = opt_out_arg(removed) {
                    *r = existed;
                }
                Ok(())
            })
        }
    })
}

/// All image ids, sorted. On success `*out` is a new `vp_string_list` to
/// free with `vp_string_list_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `index` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_list(
    index: *const vp_image_index,
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

/// Enables or disables the image stored under `id`; `status` is a
/// `vp_speaker_status` value. A disabled image is kept but never found.
///
/// Errors: `VP_STATUS_NOT_FOUND`, `VP_STATUS_INVALID_ARGUMENT` (not a
/// `vp_speaker_status`), `VP_STATUS_STORE`, `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `index` is NULL or live; `id` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_set_status(
    index: *const vp_image_index,
    id: *const c_char,
    status: u32,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe {
            with_index_id(index, id, |index, id| {
                index.set_status(id, status_arg(status)?)?;
                Ok(())
            })
        }
    })
}

/// Number of stored images (active and disabled) into `*out`.
///
/// Errors: `VP_STATUS_NULL_POINTER`.
///
/// # Safety
/// `index` is NULL or live; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_index_count(
    index: *const vp_image_index,
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
