//! `vp_embedding` / `vp_embeddings`: voiceprints and image feature vectors
//! handed to C, owned by the library. Mirrors core's `Embedding`.

use std::ffi::{c_char, CString};

use voiceprint_core::embed::Embedding;

use crate::error::ffi_get;
use crate::owned::Owned;
use crate::strings::c_string;

/// One voiceprint or image feature vector and the id of the model that
/// made it: unit length (L2-normalised), except the raw output of an image
/// encoder made with `normalize` false. Owned by the library: read it, do
/// not modify it, free it with `vp_embedding_free`. May be read by several
/// threads at once.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_embedding {
    /// `dim` floats.
    pub vector: *const f32,
    /// Length of `vector`.
    pub dim: usize,
    /// NUL-terminated id of the model that made it; vectors of different
    /// models cannot be compared.
    pub model_id: *const c_char,
}

/// Several vectors of one model, as a row-major `count` x `dim` matrix:
/// row `i` is `vectors[i * dim .. (i + 1) * dim]`, in input order. Owned
/// by the library: free with `vp_embeddings_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_embeddings {
    /// `count * dim` floats.
    pub vectors: *const f32,
    /// Number of voiceprints.
    pub count: usize,
    /// Length of each.
    pub dim: usize,
    /// NUL-terminated id of the model that made them.
    pub model_id: *const c_char,
}

type EmbeddingKeep = (Vec<f32>, CString);

/// Moves a core embedding into a library-owned `vp_embedding`.
pub(crate) fn embedding_into_raw(e: Embedding) -> *mut vp_embedding {
    let model_id = c_string(e.model_id.as_bytes());
    let public = vp_embedding {
        vector: e.vector.as_ptr(),
        dim: e.vector.len(),
        model_id: model_id.as_ptr(),
    };
    Owned::into_raw(public, (e.vector, model_id))
}

/// Moves core embeddings of one model into a library-owned matrix. `dim`
/// and `model_id` are the encoder's, so an empty batch still says them.
pub(crate) fn embeddings_into_raw(
    items: Vec<Embedding>,
    dim: usize,
    model_id: &str,
) -> *mut vp_embeddings {
    let mut vectors = Vec::with_capacity(items.len() * dim);
    for e in &items {
        vectors.extend_from_slice(&e.vector);
    }
    let model_id = c_string(model_id);
    let public = vp_embeddings {
        vectors: vectors.as_ptr(),
        count: items.len(),
        dim,
        model_id: model_id.as_ptr(),
    };
    Owned::into_raw(public, (vectors, model_id))
}

/// Frees a vector returned by the library. NULL is a no-op.
///
/// # Safety
/// `embedding` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_embedding_free(embedding: *mut vp_embedding) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `embedding_into_raw`.
        unsafe { Owned::<vp_embedding, EmbeddingKeep>::free(embedding) };
        Some(())
    })
}

/// Frees vectors returned by the library. NULL is a no-op.
///
/// # Safety
/// `embeddings` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_embeddings_free(embeddings: *mut vp_embeddings) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `embeddings_into_raw`.
        unsafe { Owned::<vp_embeddings, EmbeddingKeep>::free(embeddings) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::sync::Arc;

    #[test]
    fn embeddings_become_a_row_major_matrix() {
        let id: Arc<str> = Arc::from("m");
        let a = Embedding::from_raw(vec![3.0, 4.0], id.clone()).unwrap();
        let b = Embedding::from_raw(vec![0.0, 2.0], id).unwrap();
        let raw = embeddings_into_raw(vec![a, b], 2, "m");
        // SAFETY: `raw` is live until the free below.
        unsafe {
            let m = &*raw;
            assert_eq!((m.count, m.dim), (2, 2));
            let v = std::slice::from_raw_parts(m.vectors, 4);
            assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
            assert_eq!(&v[2..], &[0.0, 1.0]);
            assert_eq!(CStr::from_ptr(m.model_id).to_str().unwrap(), "m");
            vp_embeddings_free(raw);
        }
        let empty = embeddings_into_raw(Vec::new(), 256, "m");
        // SAFETY: as above.
        unsafe {
            assert_eq!(((*empty).count, (*empty).dim), (0, 256));
            vp_embeddings_free(empty);
            vp_embedding_free(std::ptr::null_mut());
        }
    }
}
