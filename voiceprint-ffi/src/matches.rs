//! `vp_matches`: the result of identify. Mirrors core's `Identification`.

use std::ffi::{c_char, CString};

use voiceprint_core::engine::Identification;

use crate::error::ffi_get;
use crate::owned::Owned;
use crate::strings::c_string;

/// One candidate speaker and its cosine score.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_match {
    /// NUL-terminated speaker id.
    pub id: *const c_char,
    /// Cosine similarity in [-1, 1]; higher is more alike.
    pub score: f32,
}

/// Who is speaking: the top-k active speakers, best first. Owned by the
/// library: read it, do not modify it, free it with `vp_matches_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_matches {
    /// `len` matches, best first (at most the `k` asked for; fewer when the
    /// store or the candidate list holds fewer active speakers).
    pub items: *const vp_match,
    /// Number of matches.
    pub len: usize,
    /// `&items[0]` when its score reaches `threshold`; NULL means the
    /// speaker is unknown.
    pub best: *const vp_match,
    /// The threshold the decision used.
    pub threshold: f32,
}

type MatchesKeep = (Vec<vp_match>, Vec<CString>);

/// Moves core's identification into a library-owned `vp_matches`.
pub(crate) fn matches_into_raw(found: Identification) -> *mut vp_matches {
    let ids: Vec<CString> = found
        .matches
        .iter()
        .map(|m| c_string(m.id.as_str()))
        .collect();
    let items: Vec<vp_match> = found
        .matches
        .iter()
        .zip(&ids)
        .map(|(m, id)| vp_match {
            id: id.as_ptr(),
            score: m.score,
        })
        .collect();
    // Core's `best` is the first match when it reaches the threshold.
    let best = match (&found.best, items.first()) {
        (Some(_), Some(first)) => first as *const vp_match,
        _ => std::ptr::null(),
    };
    let public = vp_matches {
        items: items.as_ptr(),
        len: items.len(),
        best,
        threshold: found.threshold,
    };
    Owned::into_raw(public, (items, ids))
}

/// Frees matches returned by the library. NULL is a no-op.
///
/// # Safety
/// `matches` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_matches_free(matches: *mut vp_matches) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `matches_into_raw`.
        unsafe { Owned::<vp_matches, MatchesKeep>::free(matches) };
        Some(())
    })
}
