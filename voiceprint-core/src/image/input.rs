use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::{decode_image_bytes, decode_image_file, ImageLimits, RawPixels, RgbImage};
use crate::Result;

/// An image as callers hold it: a file, an encoded buffer, raw pixels, or a
/// decoded [`RgbImage`].
///
/// ```
/// use voiceprint_core::image::{ImageInput, ImageLimits, PixelFormat, RawPixels};
/// let grey = vec![128u8; 4 * 3];
/// let input = ImageInput::Pixels(RawPixels::packed(&grey, 4, 3, PixelFormat::Gray8));
/// let rgb = input.decode(&ImageLimits::default())?;
/// assert_eq!((rgb.width(), rgb.height()), (4, 3));
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub enum ImageInput<'a> {
    /// A JPEG / PNG / WebP / BMP / GIF / TIFF file.
    Path(&'a Path),
    /// The bytes of such a file, e.g. an upload.
    Bytes(&'a [u8]),
    /// A raw pixel buffer.
    Pixels(RawPixels<'a>),
    /// An image already decoded.
    Rgb(&'a RgbImage),
}

impl<'a> ImageInput<'a> {
    /// Decodes (or borrows) the image as RGB; a borrowed image lives as long
    /// as the data the input points at, not the input itself.
    pub fn decode(&self, limits: &ImageLimits) -> Result<Cow<'a, RgbImage>> {
        Ok(match *self {
            ImageInput::Path(p) => Cow::Owned(decode_image_file(p, limits)?),
            ImageInput::Bytes(b) => Cow::Owned(decode_image_bytes(b, limits)?),
            ImageInput::Pixels(raw) => Cow::Owned(raw.to_rgb(limits)?),
            ImageInput::Rgb(img) => {
                limits.check_pixels(img.width(), img.height())?;
                Cow::Borrowed(img)
            }
        })
    }
}

impl<'a> From<&'a Path> for ImageInput<'a> {
    fn from(p: &'a Path) -> Self {
        ImageInput::Path(p)
    }
}

impl<'a> From<&'a PathBuf> for ImageInput<'a> {
    fn from(p: &'a PathBuf) -> Self {
        ImageInput::Path(p.as_path())
    }
}

impl<'a> From<&'a str> for ImageInput<'a> {
    fn from(p: &'a str) -> Self {
        ImageInput::Path(Path::new(p))
    }
}

impl<'a> From<&'a [u8]> for ImageInput<'a> {
    fn from(b: &'a [u8]) -> Self {
        ImageInput::Bytes(b)
    }
}

impl<'a> From<RawPixels<'a>> for ImageInput<'a> {
    fn from(p: RawPixels<'a>) -> Self {
        ImageInput::Pixels(p)
    }
}

impl<'a> From<&'a RgbImage> for ImageInput<'a> {
    fn from(i: &'a RgbImage) -> Self {
        ImageInput::Rgb(i)
    }
}
