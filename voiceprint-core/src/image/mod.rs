//! Image input: decode JPEG / PNG / WebP / BMP / GIF / TIFF from a path or
//! bytes, or take raw pixel buffers, into 8-bit RGB, with limits against
//! decompression bombs and the EXIF orientation applied.
//!
//! ```
//! use voiceprint_core::image::{ImageInput, ImageLimits, PixelFormat, RawPixels};
//!
//! // A 2x1 BGR buffer, as OpenCV holds it.
//! let bgr = [255u8, 0, 0, 0, 0, 255];
//! let raw = RawPixels::packed(&bgr, 2, 1, PixelFormat::Bgr8);
//! let rgb = ImageInput::Pixels(raw).decode(&ImageLimits::default())?;
//! assert_eq!(rgb.pixel(0, 0), [0, 0, 255]);
//! assert_eq!(rgb.pixel(1, 0), [255, 0, 0]);
//! # Ok::<(), voiceprint_core::Error>(())
//! ```

mod decode;
mod input;
mod limits;
mod pixels;
mod rgb;

pub use decode::{decode_image_bytes, decode_image_file};
pub use input::ImageInput;
pub use limits::ImageLimits;
pub use pixels::{PixelFormat, RawPixels};
pub use rgb::RgbImage;
