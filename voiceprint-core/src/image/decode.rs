//! Encoded images to [`RgbImage`], through the `image` crate.

use std::io::{BufRead, Cursor, Seek};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use image::error::ImageError;
use image::{DynamicImage, ImageDecoder, ImageReader};

use super::{ImageLimits, RgbImage};
use crate::{Error, Result};

/// Decodes an image file (JPEG, PNG, WebP, BMP, GIF's first frame, TIFF),
/// applying its EXIF orientation. The format is read from the content, not
/// the file name.
pub fn decode_image_file(path: impl AsRef<Path>, limits: &ImageLimits) -> Result<RgbImage> {
    let path = path.as_ref();
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(path, e))?
        .len();
    limits.check_bytes(len)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_image_bytes(&bytes, limits)
}

/// Decodes an encoded image held in memory (an upload, a blob from a database).
///
/// ```
/// use voiceprint_core::image::{decode_image_bytes, ImageLimits};
/// use voiceprint_core::Error;
/// let err = decode_image_bytes(b"certainly not an image", &ImageLimits::default());
/// assert!(matches!(err, Err(Error::UnsupportedFormat { what: "image", .. })));
/// ```
pub fn decode_image_bytes(bytes: &[u8], limits: &ImageLimits) -> Result<RgbImage> {
    if bytes.is_empty() {
        return Err(Error::EmptyInput { what: "image" });
    }
    limits.check_bytes(bytes.len() as u64)?;
    // A decoder bug must not take the caller's process down with it: a
    // panic inside a third-party decoder is reported as a corrupt image.
    catch_unwind(AssertUnwindSafe(|| decode(Cursor::new(bytes), limits))).unwrap_or_else(|_| {
        Err(Error::CorruptInput {
            what: "image",
            detail: "the decoder failed on this data".to_string(),
        })
    })
}

fn decode<R: BufRead + Seek>(reader: R, limits: &ImageLimits) -> Result<RgbImage> {
    let mut reader = ImageReader::new(reader)
        .with_guessed_format()
        .map_err(|e| corrupt(e.to_string()))?;
    if reader.format().is_none() {
        return Err(Error::UnsupportedFormat {
            what: "image",
            detail: "the data starts with no known image signature".to_string(),
        });
    }
    // The crate's own allocation limit backs up the pixel check below for
    // formats whose header understates what decoding allocates: 16 bytes a
    // pixel covers the widest colour type (RGBA f32).
    let max_alloc = limits.max_pixels.saturating_mul(16).max(1 << 20);
    let mut lim = image::Limits::default();
    lim.max_alloc = Some(max_alloc);
    reader.limits(lim);
    let too_large = |actual: u64| Error::InputTooLarge {
        what: "image",
        actual,
        limit: max_alloc,
        unit: "bytes decoded",
    };
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_error(e, too_large(0)))?;
    let (w, h) = decoder.dimensions();
    limits.check_pixels(w, h)?;
    let total = decoder.total_bytes();
    if total > max_alloc {
        return Err(too_large(total));
    }
    let orientation = decoder
        .orientation()
        .map_err(|e| map_error(e, too_large(total)))?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| map_error(e, too_large(total)))?;
    img.apply_orientation(orientation);
    let rgb = match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    };
    let (w, h) = rgb.dimensions();
    RgbImage::new(w, h, rgb.into_raw())
}

fn corrupt(detail: String) -> Error {
    Error::CorruptInput {
        what: "image",
        detail,
    }
}

/// `too_large` is the error for a limit hit inside the decoder.
fn map_error(e: ImageError, too_large: Error) -> Error {
    match e {
        ImageError::Unsupported(u) => Error::UnsupportedFormat {
            what: "image",
            detail: u.to_string(),
        },
        ImageError::Limits(_) => too_large,
        other => corrupt(other.to_string()),
    }
}
