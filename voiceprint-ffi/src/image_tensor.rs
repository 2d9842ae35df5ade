//! `vp_image_tensor`: one preprocessed image, the model input handed to C,
//! owned by the library. Mirrors core's `ImageTensor`.

use voiceprint_core::features::ImageTensor;

use crate::error::ffi_get;
use crate::owned::Owned;

/// One preprocessed image in the model's layout, without the batch axis:
/// exactly what the encoder feeds the model for it. Owned by the library:
/// read it, do not modify it, free it with `vp_image_tensor_free`. May be
/// read by several threads at once.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_image_tensor {
    /// `len` row-major floats.
    pub data: *const f32,
    /// Number of floats, `shape[0] * shape[1] * shape[2]`.
    pub len: usize,
    /// `{3, height, width}` (NCHW profiles) or `{height, width, 3}` (NHWC).
    pub shape: [usize; 3],
}

type TensorKeep = Vec<f32>;

/// Moves core's tensor into a library-owned `vp_image_tensor`.
pub(crate) fn image_tensor_into_raw(t: ImageTensor) -> *mut vp_image_tensor {
    let public = vp_image_tensor {
        data: t.data.as_ptr(),
        len: t.data.len(),
        shape: t.shape,
    };
    Owned::into_raw(public, t.data)
}

/// Frees a tensor returned by the library. NULL is a no-op.
///
/// # Safety
/// `tensor` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_image_tensor_free(tensor: *mut vp_image_tensor) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `image_tensor_into_raw`.
        unsafe { Owned::<vp_image_tensor, TensorKeep>::free(tensor) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_keeps_shape_and_values() {
        let raw = image_tensor_into_raw(ImageTensor {
            shape: [3, 1, 2],
            data: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        });
        // SAFETY: `raw` is live until the free below.
        unsafe {
            let t = &*raw;
            assert_eq!((t.shape, t.len), ([3, 1, 2], 6));
            assert_eq!(std::slice::from_raw_parts(t.data, t.len)[5], 5.0);
            vp_image_tensor_free(raw);
            vp_image_tensor_free(std::ptr::null_mut());
        }
    }
}
