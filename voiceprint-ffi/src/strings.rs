//! Strings out: C strings made from Rust text, one library-owned string
//! (`vp_string_free`), and `vp_string_list`.

use std::ffi::{c_char, CString};

use crate::owned::Owned;

/// A C string of `text`, cut at an interior NUL if it has one (ids and
/// model ids cannot hold one; messages keep everything before it).
pub(crate) fn c_string(text: impl Into<Vec<u8>>) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let cut = e.nul_position();
        let mut bytes = e.into_vec();
        bytes.truncate(cut);
        // No NUL is left before `cut`, so this cannot fail; an empty
        // string would be the harmless fallback.
        CString::new(bytes).unwrap_or_default()
    })
}

/// Moves `text` into a library-owned C string for C to free with
/// `vp_string_free` (RTTM, JSON; an interior NUL, which these texts never
/// hold, would cut it).
pub(crate) fn string_into_raw(text: String) -> *mut c_char {
    c_string(text).into_raw()
}

/// Frees a string the library returned through a `char **out` (RTTM,
/// JSON). NULL is a no-op.
///
/// # Safety
/// `text` is NULL or a string returned by the library that way, not freed
/// yet (not a string of a result struct nor of a handle, which their own
/// `_free` releases).
#[no_mangle]
pub unsafe extern "C" fn vp_string_free(text: *mut c_char) {
    crate::error::ffi_get((), || {
        if !text.is_null() {
            // SAFETY: per this function's contract it came from
            // `CString::into_raw` in `string_into_raw` and is freed once.
            drop(unsafe { CString::from_raw(text) });
        }
        Some(())
    })
}

/// A list of UTF-8 strings owned by the library (e.g. speaker ids).
///
/// Read `items[0] .. items[len - 1]`; free the whole list, strings
/// included, with `vp_string_list_free`. Do not modify it. May be read by
/// several threads at once; do not free it while another thread reads it.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_string_list {
    /// `len` NUL-terminated UTF-8 strings.
    pub items: *const *const c_char,
    /// Number of strings.
    pub len: usize,
}

type StringListKeep = (Vec<*const c_char>, Vec<CString>);

/// Moves `strings` into a library-owned list.
pub(crate) fn string_list_into_raw(strings: Vec<String>) -> *mut vp_string_list {
    let owned: Vec<CString> = strings.into_iter().map(c_string).collect();
    let pointers: Vec<*const c_char> = owned.iter().map(|s| s.as_ptr()).collect();
    let public = vp_string_list {
        items: pointers.as_ptr(),
        len: pointers.len(),
    };
    Owned::into_raw(public, (pointers, owned))
}

/// Frees a list returned by the library. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list returned by the library, not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_string_list_free(list: *mut vp_string_list) {
    crate::error::ffi_get((), || {
        // SAFETY: per this function's contract `list` came from
        // `string_list_into_raw` (the only maker of `vp_string_list`).
        unsafe { Owned::<vp_string_list, StringListKeep>::free(list) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn list_round_trips_and_frees() {
        let raw = string_list_into_raw(vec!["alice".into(), "bob".into()]);
        // SAFETY: `raw` is a live list made just above, freed once.
        unsafe {
            let list = &*raw;
            let items = std::slice::from_raw_parts(list.items, list.len);
            let texts: Vec<&str> = items
                .iter()
                .map(|p| CStr::from_ptr(*p).to_str().unwrap())
                .collect();
            assert_eq!(texts, ["alice", "bob"]);
            vp_string_list_free(raw);
            vp_string_list_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn owned_strings_round_trip_and_free() {
        let raw = string_into_raw("SPEAKER x".to_string());
        // SAFETY: `raw` is a live string made just above, freed once.
        unsafe {
            assert_eq!(CStr::from_ptr(raw).to_str().unwrap(), "SPEAKER x");
            vp_string_free(raw);
            vp_string_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn interior_nul_is_cut() {
        assert_eq!(c_string("ab\0cd").to_str().unwrap(), "ab");
    }
}
