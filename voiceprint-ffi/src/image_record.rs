//! `vp_image_record`: one stored image's vector and metadata. Mirrors
//! core's `ImageRecord` and `RecordMeta`.

use std::ffi::{c_char, CString};

use voiceprint_core::engine::ImageRecord;

use crate::error::ffi_get;
use crate::labels::{labels_into_c, vp_label, LabelsKeep};
use crate::owned::Owned;
use crate::speaker::vp_speaker_status;
use crate::strings::c_string;

/// A stored image: its feature vector and metadata. Owned by the library:
/// read it, do not modify it, free it with `vp_image_record_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_image_record {
    /// NUL-terminated image id.
    pub id: *const c_char,
    /// The vector as the index stores it, `dim` floats (unit length).
    pub vector: *const f32,
    /// Length of `vector`.
    pub dim: usize,
    /// Active or disabled (a disabled image is never found by search).
    pub status: vp_speaker_status,
    /// When the id was first added, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When the vector or status last changed, milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// `labels_len` key/value labels, sorted by key.
    pub labels: *const vp_label,
    /// Number of labels.
    pub labels_len: usize,
}

type ImageRecordKeep = (CString, Vec<f32>, LabelsKeep);

/// Moves core's image record into a library-owned `vp_image_record`.
pub(crate) fn image_record_into_raw(record: ImageRecord) -> *mut vp_image_record {
    let id = c_string(record.id);
    let (labels, texts) = labels_into_c(record.meta.labels);
    let public = vp_image_record {
        id: id.as_ptr(),
        vector: record.vector.as_ptr(),
        dim: record.vector.len(),
        status: record.meta.status.into(),
        created_at_ms: record.meta.created_at_ms,
        updated_at_ms: record.meta.updated_at_ms,
        labels: labels.as_ptr(),
        labels_len: labels.len(),
    };
    Owned::into_raw(public, (id, record.vector, (labels, texts)))
}

/// Frees an image record returned by the library. NULL is a no-op.
///
/// # Safety
/// `record` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_image_record_free(record: *mut vp_image_record) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `image_record_into_raw`.
        unsafe { Owned::<vp_image_record, ImageRecordKeep>::free(record) };
        Some(())
    })
}
