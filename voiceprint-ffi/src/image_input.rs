//! `vp_image`: an image as callers hold it (a file path, an encoded buffer,
//! or raw pixels), borrowed for the duration of one call, and
//! `vp_pixel_format`. Mirror core's `ImageInput`, `RawPixels` and
//! `PixelFormat`.

use std::ffi::{c_char, c_void};
use std::path::Path;

use voiceprint_core::image::{ImageInput, PixelFormat, RawPixels};
use voiceprint_core::Error;

use crate::args::{slice_arg, str_arg};
use crate::error::FfiResult;

/// What a `vp_image` holds.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_image_kind {
    /// `data` is a NUL-terminated UTF-8 path of a JPEG / PNG / WebP / BMP /
    /// GIF (first frame) / TIFF file; the other fields are ignored.
    Path = 0,
    /// `data` points to `len` bytes of such a file (e.g. an upload); the
    /// pixel fields are ignored.
    Bytes = 1,
    /// `data` points to `len` bytes of raw 8-bit pixels: `height` rows of
    /// `stride` bytes, each starting with `width` pixels of `format`.
    Pixels = 2,
}

/// Channel layout of a raw 8-bit pixel buffer.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_pixel_format {
    /// Red, green, blue: 3 bytes a pixel.
    Rgb8 = 0,
    /// Red, green, blue, alpha: 4 bytes a pixel (alpha is dropped).
    Rgba8 = 1,
    /// Blue, green, red (OpenCV's `cv::Mat` order): 3 bytes a pixel.
    Bgr8 = 2,
    /// Blue, green, red, alpha: 4 bytes a pixel (alpha is dropped).
    Bgra8 = 3,
    /// One grey byte a pixel.
    Gray8 = 4,
}

/// One image passed into the library: borrowed, never freed by it, and
/// only read during the call it is passed to.
///
/// Make one with `vp_image_path`, `vp_image_bytes` or `vp_image_pixels`,
/// or fill the fields directly. Files and buffers are decoded (EXIF
/// orientation applied, alpha dropped, grey replicated to RGB) within the
/// encoder's limits; any size is resized as the encoder's profile says.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_image {
    /// A `vp_image_kind` value. (A plain integer so that a bad value is
    /// refused with `VP_STATUS_INVALID_ARGUMENT` rather than misread.)
    pub kind: u32,
    /// The path, encoded bytes or pixels, as `kind` says.
    pub data: *const c_void,
    /// Number of bytes at `data` (bytes and pixels); unused for paths.
    pub len: usize,
    /// Width in pixels (`VP_IMAGE_KIND_PIXELS` only).
    pub width: u32,
    /// Height in pixels (`VP_IMAGE_KIND_PIXELS` only).
    pub height: u32,
    /// Bytes from the start of one row to the next, at least `width` times
    /// the format's bytes a pixel; 0 means rows without padding
    /// (`VP_IMAGE_KIND_PIXELS` only).
    pub stride: usize,
    /// A `vp_pixel_format` value (`VP_IMAGE_KIND_PIXELS` only).
    pub format: u32,
}

/// An image file from its path (NUL-terminated UTF-8). Borrows `path`.
#[no_mangle]
pub extern "C" fn vp_image_path(path: *const c_char) -> vp_image {
    vp_image {
        kind: vp_image_kind::Path as u32,
        data: path.cast(),
        len: 0,
        width: 0,
        height: 0,
        stride: 0,
        format: 0,
    }
}

/// An image from the `len` bytes of an encoded file (JPEG, PNG, WebP, BMP,
/// GIF, TIFF). The format is read from the content. Borrows `data`.
#[no_mangle]
pub extern "C" fn vp_image_bytes(data: *const u8, len: usize) -> vp_image {
    vp_image {
        kind: vp_image_kind::Bytes as u32,
        data: data.cast(),
        len,
        ..vp_image_path(std::ptr::null())
    }
}

/// An image from raw 8-bit pixels: `len` bytes at `data`, `height` rows of
/// `stride` bytes (0: `width` times the format's bytes a pixel, no
/// padding), `format` a `vp_pixel_format` value. Borrows `data`.
///
/// Nothing is checked here; the call the image is passed to refuses a
/// buffer shorter than its rows, a stride shorter than a row, a zero size
/// or an unknown format.
#[no_mangle]
pub extern "C" fn vp_image_pixels(
    data: *const u8,
    len: usize,
    width: u32,
    height: u32,
    stride: usize,
    format: u32,
) -> vp_image {
    vp_image {
        kind: vp_image_kind::Pixels as u32,
        data: data.cast(),
        len,
        width,
        height,
        stride,
        format,
    }
}

/// Core's pixel format from a C integer.
fn pixel_format_arg(format: u32) -> FfiResult<PixelFormat> {
    const RGB8: u32 = vp_pixel_format::Rgb8 as u32;
    const RGBA8: u32 = vp_pixel_format::Rgba8 as u32;
    const BGR8: u32 = vp_pixel_format::Bgr8 as u32;
    const BGRA8: u32 = vp_pixel_format::Bgra8 as u32;
    const GRAY8: u32 = vp_pixel_format::Gray8 as u32;
    Ok(match format {
        RGB8 => PixelFormat::Rgb8,
        RGBA8 => PixelFormat::Rgba8,
        BGR8 => PixelFormat::Bgr8,
        BGRA8 => PixelFormat::Bgra8,
        GRAY8 => PixelFormat::Gray8,
        other => {
            return Err(Error::invalid_argument(
                "image.format",
                format!(
                    "{other} is not a vp_pixel_format (0 rgb8, 1 rgba8, 2 bgr8, 3 bgra8, 4 gray8)"
                ),
            )
            .into())
        }
    })
}

/// Core's view of one `vp_image`.
///
/// # Safety
/// `image.data` is valid for what `image.kind` and `image.len` say, for `'a`.
pub(crate) unsafe fn image_input<'a>(image: &vp_image) -> FfiResult<ImageInput<'a>> {
    const PATH: u32 = vp_image_kind::Path as u32;
    const BYTES: u32 = vp_image_kind::Bytes as u32;
    const PIXELS: u32 = vp_image_kind::Pixels as u32;
    // The caller guarantees `data` holds what `kind` says; the helpers
    // check NULL and length; core checks sizes against the buffer.
    Ok(match image.kind {
        PATH => {
            // SAFETY: a path is a NUL-terminated string (caller's contract).
            let path = unsafe { str_arg(image.data.cast(), "image.data") }?;
            ImageInput::Path(Path::new(path))
        }
        BYTES => {
            // SAFETY: `len` bytes (caller's contract).
            let bytes = unsafe { slice_arg(image.data.cast::<u8>(), image.len, "image.data") }?;
            ImageInput::Bytes(bytes)
        }
        PIXELS => {
            let format = pixel_format_arg(image.format)?;
            // SAFETY: `len` bytes (caller's contract).
            let data = unsafe { slice_arg(image.data.cast::<u8>(), image.len, "image.data") }?;
            let packed = RawPixels::packed(data, image.width, image.height, format);
            ImageInput::Pixels(match image.stride {
                0 => packed,
                stride => RawPixels { stride, ..packed },
            })
        }
        other => {
            return Err(Error::invalid_argument(
                "image.kind",
                format!("{other} is not a vp_image_kind (0 path, 1 bytes, 2 pixels)"),
            )
            .into())
        }
    })
}

/// Core's view of an array of `count` `vp_image`.
///
/// # Safety
/// `items` is NULL or points to `count` `vp_image`, each valid as
/// [`image_input`] requires, for `'a`.
pub(crate) unsafe fn image_inputs<'a>(
    items: *const vp_image,
    count: usize,
    name: &'static str,
) -> FfiResult<Vec<ImageInput<'a>>> {
    // SAFETY: forwarded contract of this function.
    let items: &[vp_image] = unsafe { slice_arg(items, count, name) }?;
    items
        .iter()
        // SAFETY: forwarded contract, element by element.
        .map(|i| unsafe { image_input(i) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FfiError;
    use voiceprint_core::image::ImageLimits;
    use voiceprint_core::ErrorKind;

    fn kind_of(result: FfiResult<ImageInput<'_>>) -> ErrorKind {
        match result {
            Err(FfiError::Core(e)) => e.kind(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pixels_keep_their_format_and_stride_zero_means_packed() {
        // 2x1 BGRA, rows padded to 12 bytes.
        let bgra = [1u8, 2, 3, 255, 4, 5, 6, 255, 0, 0, 0, 0];
        let padded = vp_image_pixels(bgra.as_ptr(), 12, 2, 1, 12, vp_pixel_format::Bgra8 as u32);
        // SAFETY: the image borrows `bgra`, alive for the whole test.
        let rgb = match unsafe { image_input(&padded) }.unwrap() {
            ImageInput::Pixels(raw) => {
                assert_eq!((raw.stride, raw.format), (12, PixelFormat::Bgra8));
                raw.to_rgb(&ImageLimits::default()).unwrap()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(rgb.as_bytes(), &[3, 2, 1, 6, 5, 4]);
        let packed = vp_image_pixels(bgra.as_ptr(), 8, 2, 1, 0, vp_pixel_format::Gray8 as u32);
        // SAFETY: as above.
        match unsafe { image_input(&packed) }.unwrap() {
            ImageInput::Pixels(raw) => assert_eq!((raw.stride, raw.width), (2, 2)),
            other => panic!("{other:?}"),
        }
        let p = vp_image_path(c"x.png".as_ptr());
        // SAFETY: a static string.
        let input = unsafe { image_input(&p) }.unwrap();
        assert!(matches!(input, ImageInput::Path(_)));
    }

    #[test]
    fn bad_kind_format_and_null_data_are_errors() {
        let px = [0u8; 3];
        let mut image = vp_image_pixels(px.as_ptr(), 3, 1, 1, 0, 9);
        // SAFETY: the format is checked before `data` is read.
        let bad_format = unsafe { image_input(&image) };
        assert_eq!(kind_of(bad_format), ErrorKind::InvalidArgument);
        image.kind = 7;
        // SAFETY: the kind is checked before `data` is read.
        let bad_kind = unsafe { image_input(&image) };
        assert_eq!(kind_of(bad_kind), ErrorKind::InvalidArgument);
        let null = vp_image_bytes(std::ptr::null(), 10);
        // SAFETY: NULL is checked before any read.
        let input = unsafe { image_input(&null) };
        assert!(matches!(input, Err(FfiError::NullPointer("image.data"))));
        // SAFETY: NULL with count 0 is an empty array.
        assert!(unsafe { image_inputs(std::ptr::null(), 0, "images") }
            .unwrap()
            .is_empty());
    }
}
