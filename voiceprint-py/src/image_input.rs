//! Python image arguments: `str | os.PathLike` (a file), `bytes` (an encoded
//! file), a `PIL.Image.Image`, or a numpy uint8 array `HxW` (grey), `HxWx1`,
//! `HxWx3` (RGB, or BGR with `channel_order="bgr"`) or `HxWx4` (RGBA / BGRA).

use std::path::PathBuf;

use numpy::{PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString, PyTuple};
use voiceprint_core::features::ChannelOrder;
use voiceprint_core::image::{ImageInput, PixelFormat, RawPixels};

use crate::errors::InvalidArgumentError;

/// Pixels copied out of a numpy array or a PIL image.
pub struct OwnedPixels {
    data: Vec<u8>,
    width: u32,
    height: u32,
    format: PixelFormat,
}

/// An argument converted while the GIL is held, so core can run without it.
pub enum OwnedImage {
    Path(PathBuf),
    Bytes(Vec<u8>),
    Pixels(OwnedPixels),
}

/// `channel_order=` of the embedding calls: `"rgb"` or `"bgr"` (OpenCV's
/// arrays). It only tells how to read numpy arrays; files, bytes and PIL
/// images carry their own channel order.
pub fn parse_channel_order(s: &str) -> PyResult<ChannelOrder> {
    match s.to_ascii_lowercase().as_str() {
        "rgb" => Ok(ChannelOrder::Rgb),
        "bgr" => Ok(ChannelOrder::Bgr),
        _ => Err(InvalidArgumentError::new_err(format!(
            "channel_order {s:?}: use \"rgb\" or \"bgr\""
        ))),
    }
}

impl OwnedImage {
    pub fn as_input(&self) -> ImageInput<'_> {
        match self {
            OwnedImage::Path(p) => ImageInput::Path(p),
            OwnedImage::Bytes(b) => ImageInput::Bytes(b),
            OwnedImage::Pixels(p) => {
                ImageInput::Pixels(RawPixels::packed(&p.data, p.width, p.height, p.format))
            }
        }
    }

    pub fn extract(obj: &Bound<'_, PyAny>, order: ChannelOrder) -> PyResult<OwnedImage> {
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(OwnedImage::Path(PathBuf::from(s.extract::<String>()?)));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(OwnedImage::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(OwnedImage::Bytes(b.to_vec()));
        }
        if obj.hasattr("__fspath__")? {
            let p = obj.py().import("os")?.call_method1("fspath", (obj,))?;
            return Ok(OwnedImage::Path(PathBuf::from(p.extract::<String>()?)));
        }
        // Before arrays: PIL images have `__array_interface__` too.
        if is_pil_image(obj)? {
            return pil_to_pixels(obj).map(OwnedImage::Pixels);
        }
        if obj.hasattr("__array_interface__")? || obj.hasattr("__array__")? {
            return array_to_pixels(obj, order).map(OwnedImage::Pixels);
        }
        Err(PyTypeError::new_err(format!(
            "an image is a path, bytes, a PIL image or a numpy uint8 array, not {}",
            obj.get_type().name()?
        )))
    }

    /// Many inputs: a list or tuple of inputs.
    pub fn extract_many(obj: &Bound<'_, PyAny>, order: ChannelOrder) -> PyResult<Vec<OwnedImage>> {
        if obj.cast::<PyList>().is_err() && obj.cast::<PyTuple>().is_err() {
            return Err(PyTypeError::new_err(format!(
                "expected a list or tuple of images, not {}",
                obj.get_type().name()?
            )));
        }
        obj.try_iter()?
            .map(|item| OwnedImage::extract(&item?, order))
            .collect()
    }
}

/// Duck-typed, so Pillow stays an optional dependency.
fn is_pil_image(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    for attr in ["mode", "size", "tobytes", "convert"] {
        if !obj.hasattr(attr)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `img.convert("RGB")`, as the Pillow pipelines do: alpha dropped, grey
/// and palettes expanded. (EXIF orientation is a property of encoded files;
/// an `Image` is taken as it is.)
fn pil_to_pixels(img: &Bound<'_, PyAny>) -> PyResult<OwnedPixels> {
    let rgb = img.call_method1("convert", ("RGB",))?;
    let (w, h): (u32, u32) = rgb.getattr("size")?.extract()?;
    let data: Vec<u8> = rgb
        .call_method0("tobytes")?
        .cast_into::<PyBytes>()?
        .as_bytes()
        .to_vec();
    Ok(OwnedPixels {
        data,
        width: w,
        height: h,
        format: PixelFormat::Rgb8,
    })
}

fn array_to_pixels(obj: &Bound<'_, PyAny>, order: ChannelOrder) -> PyResult<OwnedPixels> {
    let py = obj.py();
    // Anything with `__array__` that is not an ndarray yet (e.g. a tensor).
    let arr = if obj.cast::<PyUntypedArray>().is_ok() {
        obj.clone()
    } else {
        py.import("numpy")?.call_method1("asarray", (obj,))?
    };
    let Ok(a) = arr.extract::<PyReadonlyArrayDyn<'_, u8>>() else {
        let dtype = arr
            .getattr("dtype")
            .and_then(|d| d.str())
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "unknown".into());
        return Err(PyTypeError::new_err(format!(
            "image arrays must be numpy uint8 (HxW, HxWx1, HxWx3 or HxWx4), got dtype {dtype}"
        )));
    };
    let shape = a.shape().to_vec();
    let (h, w, format) = match (shape.as_slice(), order) {
        ([h, w], _) | ([h, w, 1], _) => (*h, *w, PixelFormat::Gray8),
        ([h, w, 3], ChannelOrder::Rgb) => (*h, *w, PixelFormat::Rgb8),
        ([h, w, 3], ChannelOrder::Bgr) => (*h, *w, PixelFormat::Bgr8),
        ([h, w, 4], ChannelOrder::Rgb) => (*h, *w, PixelFormat::Rgba8),
        ([h, w, 4], ChannelOrder::Bgr) => (*h, *w, PixelFormat::Bgra8),
        _ => {
            return Err(InvalidArgumentError::new_err(format!(
                "image arrays are HxW (grey), HxWx1, HxWx3 or HxWx4 uint8, got shape {shape:?}"
            )))
        }
    };
    let dim = |n: usize, what: &str| {
        u32::try_from(n)
            .map_err(|_| InvalidArgumentError::new_err(format!("image {what} {n} is too large")))
    };
    let (width, height) = (dim(w, "width")?, dim(h, "height")?);
    // Core needs its own copy to work without the GIL; a view that is not
    // C-contiguous (a crop, `[..., ::-1]`) is packed while copying, so core
    // always gets rows without padding.
    let view = a.as_array();
    let data = match view.as_slice() {
        Some(s) => s.to_vec(),
        None => view.iter().copied().collect(),
    };
    Ok(OwnedPixels {
        data,
        width,
        height,
        format,
    })
}
