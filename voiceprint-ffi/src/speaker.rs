//! `vp_speaker`: one enrolled speaker's voiceprint and metadata, and
//! `vp_speaker_status` (also the status of image records). Mirror core's
//! `SpeakerInfo`, `RecordMeta`, `Status`.

use std::ffi::{c_char, CString};

use voiceprint_core::engine::SpeakerInfo;
use voiceprint_core::store::Status;
use voiceprint_core::Error;

use crate::error::{ffi_get, FfiResult};
use crate::labels::{labels_into_c, vp_label, LabelsKeep};
use crate::owned::Owned;
use crate::strings::c_string;

/// Whether a stored record takes part in matching: a speaker's voiceprint,
/// or an image of a `vp_image_index` (core has one status for both).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_speaker_status {
    /// Matched by verify, identify and image search.
    Active = 0,
    /// Kept, but never accepted by verify nor returned by identify or search.
    Disabled = 1,
}

impl From<Status> for vp_speaker_status {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => vp_speaker_status::Active,
            Status::Disabled => vp_speaker_status::Disabled,
        }
    }
}

/// Core's status from a C integer (a `u32`, since C may pass any value).
pub(crate) fn status_arg(status: u32) -> FfiResult<Status> {
    match status {
        s if s == vp_speaker_status::Active as u32 => Ok(Status::Active),
        s if s == vp_speaker_status::Disabled as u32 => Ok(Status::Disabled),
        other => Err(Error::invalid_argument(
            "status",
            format!("{other} is not a vp_speaker_status (0 active, 1 disabled)"),
        )
        .into()),
    }
}

/// An enrolled speaker: voiceprint and metadata. Owned by the library:
/// read it, do not modify it, free it with `vp_speaker_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_speaker {
    /// NUL-terminated speaker id.
    pub id: *const c_char,
    /// The voiceprint, `dim` floats (unit length).
    pub vector: *const f32,
    /// Length of `vector`.
    pub dim: usize,
    /// Active or disabled.
    pub status: vp_speaker_status,
    /// Utterances enrolled so far.
    pub enrollment_count: u32,
    /// When the speaker was first enrolled, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When the voiceprint or status last changed, milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// `labels_len` key/value labels, sorted by key.
    pub labels: *const vp_label,
    /// Number of labels.
    pub labels_len: usize,
}

type SpeakerKeep = (CString, Vec<f32>, LabelsKeep);

/// Moves core's speaker info into a library-owned `vp_speaker`.
pub(crate) fn speaker_into_raw(info: SpeakerInfo) -> *mut vp_speaker {
    let id = c_string(info.id);
    let (labels, texts) = labels_into_c(info.meta.labels);
    let public = vp_speaker {
        id: id.as_ptr(),
        vector: info.vector.as_ptr(),
        dim: info.vector.len(),
        status: info.meta.status.into(),
        enrollment_count: info.meta.enrollment_count,
        created_at_ms: info.meta.created_at_ms,
        updated_at_ms: info.meta.updated_at_ms,
        labels: labels.as_ptr(),
        labels_len: labels.len(),
    };
    Owned::into_raw(public, (id, info.vector, (labels, texts)))
}

/// Frees a speaker returned by the library. NULL is a no-op.
///
/// # Safety
/// `speaker` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_speaker_free(speaker: *mut vp_speaker) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `speaker_into_raw`.
        unsafe { Owned::<vp_speaker, SpeakerKeep>::free(speaker) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_integers_are_checked() {
        assert_eq!(status_arg(0).unwrap(), Status::Active);
        assert_eq!(status_arg(1).unwrap(), Status::Disabled);
        assert!(status_arg(2).is_err());
        assert_eq!(
            vp_speaker_status::from(Status::Disabled),
            vp_speaker_status::Disabled
        );
    }
}
