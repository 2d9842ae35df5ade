//! Checked conversion of C arguments into Rust references: NULL checks,
//! UTF-8 validation, alignment and length checks, so the entry points
//! never build a reference from a bad pointer.

use std::ffi::{c_char, CStr};

use voiceprint_core::Error;

use crate::error::{FfiError, FfiResult};

/// A borrowed NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &'static str) -> FfiResult<&'a str> {
    if ptr.is_null() {
        return Err(FfiError::NullPointer(name));
    }
    // SAFETY: non-NULL, and the caller guarantees NUL termination and lifetime.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|e| FfiError::InvalidUtf8 {
        name,
        valid_up_to: e.valid_up_to(),
    })
}

/// An optional string argument: NULL means "not given".
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract of this function.
    unsafe { str_arg(ptr, name) }.map(Some)
}

/// A borrowed array argument of `len` elements; NULL is accepted for an
/// empty array.
///
/// # Safety
/// `ptr` is NULL or points to `len` initialised `T`s that outlive `'a` and
/// are not written during `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(
    ptr: *const T,
    len: usize,
    name: &'static str,
) -> FfiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(FfiError::NullPointer(name));
    }
    if !ptr.is_aligned() {
        return Err(Error::invalid_argument(
            name,
            format!(
                "pointer {ptr:p} is not aligned to {} bytes",
                std::mem::align_of::<T>()
            ),
        )
        .into());
    }
    if len
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(Error::invalid_argument(name, format!("length {len} is too large")).into());
    }
    // SAFETY: non-NULL, aligned, size within isize::MAX; the caller
    // guarantees `len` initialised elements living for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A borrowed batch of `rows` row-major vectors of `dim` floats each, for
/// a model whose vectors have `expected` values: `dim` must be `expected`
/// (else a dimension mismatch), and `rows * dim` must not overflow. NULL
/// is accepted when `rows` is 0; core then refuses the empty batch.
///
/// # Safety
/// `ptr` is NULL or points to `rows * dim` floats, as in [`slice_arg`].
pub(crate) unsafe fn rows_arg<'a>(
    ptr: *const f32,
    rows: usize,
    dim: usize,
    expected: usize,
    name: &'static str,
) -> FfiResult<&'a [f32]> {
    if dim != expected {
        return Err(Error::DimensionMismatch {
            expected,
            actual: dim,
        }
        .into());
    }
    let len = rows.checked_mul(dim).ok_or_else(|| {
        Error::invalid_argument(name, format!("{rows} rows of {dim} values are too many"))
    })?;
    // SAFETY: forwarded contract of this function.
    unsafe { slice_arg(ptr, len, name) }
}

/// An array of `len` borrowed strings (ids, candidate ids); NULL is
/// accepted for an empty array. `name` names the array in messages and
/// `item` its elements (e.g. `"candidates[i]"`).
///
/// # Safety
/// `ptr` is NULL or points to `len` pointers, each NULL or to a
/// NUL-terminated string, all outliving `'a`.
pub(crate) unsafe fn str_array_arg<'a>(
    ptr: *const *const c_char,
    len: usize,
    name: &'static str,
    item: &'static str,
) -> FfiResult<Vec<&'a str>> {
    // SAFETY: forwarded contract of this function.
    let ptrs = unsafe { slice_arg(ptr, len, name) }?;
    ptrs.iter()
        // SAFETY: as above: each element is NULL or a NUL-terminated string.
        .map(|p| unsafe { str_arg(*p, item) })
        .collect()
}

/// An optional array of strings: a NULL array means "not given" (`None`),
/// which is not the same as an empty one.
///
/// # Safety
/// As [`str_array_arg`].
pub(crate) unsafe fn opt_str_array_arg<'a>(
    ptr: *const *const c_char,
    len: usize,
    name: &'static str,
    item: &'static str,
) -> FfiResult<Option<Vec<&'a str>>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: forwarded contract of this function.
    unsafe { str_array_arg(ptr, len, name, item) }.map(Some)
}

/// A borrowed handle or struct argument.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that outlives `'a`.
pub(crate) unsafe fn ref_arg<'a, T>(ptr: *const T, name: &'static str) -> FfiResult<&'a T> {
    // SAFETY: `as_ref` checks NULL; the caller guarantees the rest.
    unsafe { ptr.as_ref() }.ok_or(FfiError::NullPointer(name))
}

/// An out-pointer argument the result is written through.
///
/// # Safety
/// `ptr` is NULL or points to writable memory for a `T` that outlives `'a`.
pub(crate) unsafe fn out_arg<'a, T>(ptr: *mut T, name: &'static str) -> FfiResult<&'a mut T> {
    // SAFETY: `as_mut` checks NULL; the caller guarantees the rest.
    unsafe { ptr.as_mut() }.ok_or(FfiError::NullPointer(name))
}

/// An optional out-pointer: NULL means the caller does not want that result.
///
/// # Safety
/// As [`out_arg`].
pub(crate) unsafe fn opt_out_arg<'a, T>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: `as_mut` checks NULL; the caller guarantees the rest.
    unsafe { ptr.as_mut() }
}

/// A threshold argument: NaN means "the default" (`None`).
pub(crate) fn threshold_arg(t: f32) -> Option<f32> {
    (!t.is_nan()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_checked_for_null_and_utf8() {
        // SAFETY: literals are NUL-terminated and static.
        unsafe {
            assert_eq!(str_arg(c"hello".as_ptr(), "s").unwrap(), "hello");
            assert!(matches!(
                str_arg(std::ptr::null(), "s"),
                Err(FfiError::NullPointer("s"))
            ));
            let bad = b"ab\xff\0";
            assert!(matches!(
                str_arg(bad.as_ptr().cast(), "s"),
                Err(FfiError::InvalidUtf8 { valid_up_to: 2, .. })
            ));
            assert_eq!(opt_str_arg(std::ptr::null(), "s").unwrap(), None);
        }
    }

    #[test]
    fn slices_accept_null_only_when_empty_and_refuse_misalignment() {
        let data = [1.0f32, 2.0, 3.0];
        // SAFETY: pointers and lengths describe `data` or nothing at all.
        unsafe {
            assert_eq!(slice_arg(data.as_ptr(), 3, "v").unwrap(), &data);
            assert!(slice_arg::<f32>(std::ptr::null(), 0, "v")
                .unwrap()
                .is_empty());
            assert!(matches!(
                slice_arg::<f32>(std::ptr::null(), 3, "v"),
                Err(FfiError::NullPointer("v"))
            ));
            let misaligned = data.as_ptr().cast::<u8>().add(1).cast::<f32>();
            assert!(matches!(
                slice_arg(misaligned, 1, "v"),
                Err(FfiError::Core(_))
            ));
            assert!(matches!(
                slice_arg(data.as_ptr(), usize::MAX / 2, "v"),
                Err(FfiError::Core(_))
            ));
        }
    }

    #[test]
    fn rows_check_dimension_then_count() {
        let data = [1.0f32, 0.0, 0.0, 1.0];
        // SAFETY: pointers and lengths describe `data` or nothing at all.
        unsafe {
            assert_eq!(rows_arg(data.as_ptr(), 2, 2, 2, "q").unwrap(), &data);
            assert!(rows_arg(std::ptr::null(), 0, 2, 2, "q").unwrap().is_empty());
            assert!(matches!(
                rows_arg(data.as_ptr(), 1, 4, 2, "q"),
                Err(FfiError::Core(Error::DimensionMismatch {
                    expected: 2,
                    actual: 4
                }))
            ));
            assert!(matches!(
                rows_arg(data.as_ptr(), usize::MAX, 2, 2, "q"),
                Err(FfiError::Core(_))
            ));
            assert!(matches!(
                rows_arg(std::ptr::null(), 2, 2, 2, "q"),
                Err(FfiError::NullPointer("q"))
            ));
        }
    }

    #[test]
    fn string_arrays_check_every_element_and_keep_null_apart_from_empty() {
        let ids = [c"a".as_ptr(), c"b".as_ptr()];
        let bad = [c"a".as_ptr(), std::ptr::null()];
        // SAFETY: the arrays above hold static NUL-terminated strings or NULL.
        unsafe {
            assert_eq!(
                str_array_arg(ids.as_ptr(), 2, "ids", "ids[i]").unwrap(),
                ["a", "b"]
            );
            assert!(matches!(
                str_array_arg(bad.as_ptr(), 2, "ids", "ids[i]"),
                Err(FfiError::NullPointer("ids[i]"))
            ));
            assert_eq!(
                opt_str_array_arg(std::ptr::null(), 5, "c", "c[i]").unwrap(),
                None
            );
            assert_eq!(
                opt_str_array_arg(ids.as_ptr(), 0, "c", "c[i]").unwrap(),
                Some(vec![])
            );
        }
    }

    #[test]
    fn nan_threshold_means_default() {
        assert_eq!(threshold_arg(f32::NAN), None);
        assert_eq!(threshold_arg(0.5), Some(0.5));
        assert_eq!(threshold_arg(f32::INFINITY), Some(f32::INFINITY));
    }
}
