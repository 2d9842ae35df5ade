//! Scoring: cosine similarity of two vectors. Mirrors core's `score::cosine`.

use crate::args::{out_arg, slice_arg};
use crate::error::ffi_call;
use crate::status::vp_status;

/// Cosine similarity of vectors `a` (`a_len` floats) and `b` (`b_len`
/// floats) into `*out`, in [-1, 1].
///
/// Errors: `VP_STATUS_DIMENSION_MISMATCH` (`a_len != b_len`),
/// `VP_STATUS_EMPTY_INPUT` / `VP_STATUS_INVALID_ARGUMENT` (empty or zero
/// vectors, non-finite values: core's message says which),
/// `VP_STATUS_NULL_POINTER`. Thread-safe.
///
/// # Safety
/// `a` and `b` are NULL or point to `a_len` / `b_len` floats; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_cosine(
    a: *const f32,
    a_len: usize,
    b: *const f32,
    b_len: usize,
    out: *mut f32,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let a = unsafe { slice_arg(a, a_len, "a") }?;
        // SAFETY: as above.
        let b = unsafe { slice_arg(b, b_len, "b") }?;
        *out = voiceprint_core::score::cosine(a, b)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_scores_and_refuses_mismatched_lengths() {
        let a = [1.0f32, 0.0, 0.0];
        let b = [1.0f32, 1.0, 0.0];
        let mut s = 0.0f32;
        // SAFETY: pointers and lengths describe the arrays above.
        unsafe {
            assert_eq!(
                vp_cosine(a.as_ptr(), 3, b.as_ptr(), 3, &mut s),
                vp_status::Ok
            );
            assert!((s - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
            assert_eq!(
                vp_cosine(a.as_ptr(), 3, b.as_ptr(), 2, &mut s),
                vp_status::DimensionMismatch
            );
            assert_eq!(
                vp_cosine(std::ptr::null(), 3, b.as_ptr(), 3, &mut s),
                vp_status::NullPointer
            );
            assert_eq!(
                vp_cosine(a.as_ptr(), 3, b.as_ptr(), 3, std::ptr::null_mut()),
                vp_status::NullPointer
            );
        }
    }
}
