//! `vp_matches`: the result of identify and of image search. Mirrors
//! core's `Identification` and a ranked list of core's `Match`;
//! `vp_batch_matches` holds one per query of a batched call.

use std::ffi::{c_char, CString};

use voiceprint_core::engine::Identification;
use voiceprint_core::store::Match;

use crate::error::ffi_get;
use crate::owned::Owned;
use crate::strings::c_string;

/// One candidate (a speaker or an image) and its cosine score.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_match {
    /// NUL-terminated speaker or image id.
    pub id: *const c_char,
    /// Cosine similarity in [-1, 1]; higher is more alike.
    pub score: f32,
}

/// Ranked matches: who is speaking (identify) or the most similar images
/// (image search), the top-k active records, best first. Owned by the
/// library: read it, do not modify it, free it with `vp_matches_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_matches {
    /// `len` matches, best first (at most the `k` asked for; fewer when the
    /// store or the candidate list holds fewer active records).
    pub items: *const vp_match,
    /// Number of matches.
    pub len: usize,
    /// Identify: `&items[0]` when its score reaches `threshold`; NULL means
    /// the speaker is unknown. Image search decides nothing: always NULL.
    pub best: *const vp_match,
    /// The threshold the decision used; NaN for image search.
    pub threshold: f32,
}

type MatchesKeep = (Vec<vp_match>, Vec<CString>);

/// Builds the C view of ranked matches and the buffers it points into;
/// `best` says whether the first one is the accepted best.
fn ranked_parts(matches: &[Match], best: bool, threshold: f32) -> (vp_matches, MatchesKeep) {
    let ids: Vec<CString> = matches.iter().map(|m| c_string(m.id.as_str())).collect();
    let items: Vec<vp_match> = matches
        .iter()
        .zip(&ids)
        .map(|(m, id)| vp_match {
            id: id.as_ptr(),
            score: m.score,
        })
        .collect();
    let best = match (best, items.first()) {
        (true, Some(first)) => first as *const vp_match,
        _ => std::ptr::null(),
    };
    let public = vp_matches {
        items: items.as_ptr(),
        len: items.len(),
        best,
        threshold,
    };
    (public, (items, ids))
}

/// Moves ranked matches into a library-owned `vp_matches`.
fn ranked_into_raw(matches: &[Match], best: bool, threshold: f32) -> *mut vp_matches {
    let (public, keep) = ranked_parts(matches, best, threshold);
    Owned::into_raw(public, keep)
}

/// Moves core's identification into a library-owned `vp_matches`.
pub(crate) fn matches_into_raw(found: Identification) -> *mut vp_matches {
    // Core's `best` is the first match when it reaches the threshold.
    ranked_into_raw(&found.matches, found.best.is_some(), found.threshold)
}

/// Moves the ranked result of an image search into a library-owned
/// `vp_matches`: no threshold, no decision.
pub(crate) fn search_matches_into_raw(found: Vec<Match>) -> *mut vp_matches {
    ranked_into_raw(&found, false, f32::NAN)
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

/// The result of a batched search or identify (`vp_image_index_search_vectors`,
/// `vp_engine_identify_vectors`): one `vp_matches` per query, in the
/// order of the queries. Owned by the library: read it, do not modify it,
/// free it (and every `vp_matches` in it) with `vp_batch_matches_free`;
/// never pass its items to `vp_matches_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_batch_matches {
    /// `len` results; `items[i]` answers query `i`, as the single-query
    /// call with that query would.
    pub items: *const vp_matches,
    /// Number of queries.
    pub len: usize,
}

type BatchMatchesKeep = (Vec<vp_matches>, Vec<MatchesKeep>);

/// Moves per-query ranked matches into a library-owned `vp_batch_matches`.
fn batch_into_raw(parts: Vec<(vp_matches, MatchesKeep)>) -> *mut vp_batch_matches {
    let (items, keep): (Vec<vp_matches>, Vec<MatchesKeep>) = parts.into_iter().unzip();
    let public = vp_batch_matches {
        items: items.as_ptr(),
        len: items.len(),
    };
    Owned::into_raw(public, (items, keep))
}

/// Moves core's identifications, one per query, into a library-owned
/// `vp_batch_matches`.
pub(crate) fn batch_matches_into_raw(found: Vec<Identification>) -> *mut vp_batch_matches {
    batch_into_raw(
        found
            .iter()
            .map(|f| ranked_parts(&f.matches, f.best.is_some(), f.threshold))
            .collect(),
    )
}

/// Moves the ranked results of a batched image search, one per query,
/// into a library-owned `vp_batch_matches`: no threshold, no decision.
pub(crate) fn batch_search_matches_into_raw(found: Vec<Vec<Match>>) -> *mut vp_batch_matches {
    batch_into_raw(
        found
            .iter()
            .map(|m| ranked_parts(m, false, f32::NAN))
            .collect(),
    )
}

/// Frees a batch returned by the library, with every `vp_matches` in it.
/// NULL is a no-op.
///
/// # Safety
/// `batch` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_batch_matches_free(batch: *mut vp_batch_matches) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `batch_into_raw`.
        unsafe { Owned::<vp_batch_matches, BatchMatchesKeep>::free(batch) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn m(id: &str, score: f32) -> Match {
        Match {
            id: id.to_string(),
            score,
        }
    }

    #[test]
    fn identify_has_a_best_and_search_has_none() {
        let found = Identification {
            matches: vec![m("a", 0.9), m("b", 0.5)],
            best: Some(m("a", 0.9)),
            threshold: 0.7,
        };
        let raw = matches_into_raw(found);
        // SAFETY: `raw` is live until the free below.
        unsafe {
            let r = &*raw;
            assert_eq!(r.len, 2);
            assert_eq!(r.best, r.items);
            assert_eq!(CStr::from_ptr((*r.best).id).to_str().unwrap(), "a");
            vp_matches_free(raw);
        }
        let raw = search_matches_into_raw(vec![m("x", 1.0)]);
        // SAFETY: as above.
        unsafe {
            let r = &*raw;
            assert!(r.best.is_null() && r.threshold.is_nan() && r.len == 1);
            assert_eq!((*r.items).score, 1.0);
            vp_matches_free(raw);
        }
    }

    #[test]
    fn batches_hold_one_result_per_query_in_order() {
        let found = vec![
            Identification {
                matches: vec![m("a", 0.9)],
                best: Some(m("a", 0.9)),
                threshold: 0.7,
            },
            Identification {
                matches: vec![m("b", 0.4), m("a", 0.1)],
                best: None,
                threshold: 0.7,
            },
        ];
        let raw = batch_matches_into_raw(found);
        // SAFETY: `raw` is live until the free below.
        unsafe {
            let b = &*raw;
            assert_eq!(b.len, 2);
            let items = std::slice::from_raw_parts(b.items, b.len);
            assert_eq!(items[0].best, items[0].items);
            assert!(items[1].best.is_null() && items[1].len == 2);
            assert_eq!(CStr::from_ptr((*items[1].items).id).to_str().unwrap(), "b");
            vp_batch_matches_free(raw);
        }
        let raw = batch_search_matches_into_raw(vec![vec![], vec![m("x", 1.0)]]);
        // SAFETY: as above.
        unsafe {
            let items = std::slice::from_raw_parts((*raw).items, (*raw).len);
            assert!(items[0].len == 0 && items[0].best.is_null());
            assert!(items[1].threshold.is_nan() && (*items[1].items).score == 1.0);
            vp_batch_matches_free(raw);
            vp_batch_matches_free(std::ptr::null_mut());
        }
    }
}
