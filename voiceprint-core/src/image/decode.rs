//! Encoded images to [`RgbImage`], through the `image` crate.

use std::io::Cursor;
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
    catch_unwind(AssertUnwindSafe(|| decode(bytes, limits))).unwrap_or_else(|_| {
        Err(Error::CorruptInput {
            what: "image",
            detail: "the decoder failed on this data".to_string(),
        })
    })
}

fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<RgbImage> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| corrupt(e.to_string()))?;
    match reader.format() {
        None => {
            return Err(Error::UnsupportedFormat {
                what: "image",
                detail: "the data starts with no known image signature".to_string(),
            })
        }
        // The JPEG decoder fills a cut-off scan with grey instead of failing;
        // a grey-filled image would give a vector that looks valid.
        Some(image::ImageFormat::Jpeg) if !jpeg_is_complete(bytes) => {
            return Err(corrupt(
                "JPEG data ends before its end-of-image marker (the file is cut short)".to_string(),
            ))
        }
        Some(_) => {}
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
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| map_error(e, too_large(total)))?;
    img.apply_orientation(orientation);
    let rgb = match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    };
    let (w, h) = rgb.dimensions();
    RgbImage::new(w, h, rgb.into_raw())
}

/// Whether an end-of-image marker (FF D9) follows the last start-of-scan
/// (FF DA). Entropy-coded data byte-stuffs every FF, so inside a scan FF D9
/// is always the real marker; looking after the last scan skips the EOI of
/// an EXIF thumbnail, which comes before it.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_sos {
        Some(at) => bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
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
