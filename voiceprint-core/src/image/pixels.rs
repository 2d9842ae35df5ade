use super::{ImageLimits, RgbImage};
use crate::{Error, Result};

/// Channel layout of a raw 8-bit pixel buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Red, green, blue.
    Rgb8,
    /// Red, green, blue, alpha (alpha is dropped).
    Rgba8,
    /// Blue, green, red (OpenCV's order).
    Bgr8,
    /// Blue, green, red, alpha (alpha is dropped).
    Bgra8,
    /// One grey channel.
    Gray8,
}

impl PixelFormat {
    /// Bytes per pixel.
    pub fn channels(&self) -> usize {
        match self {
            PixelFormat::Rgb8 | PixelFormat::Bgr8 => 3,
            PixelFormat::Rgba8 | PixelFormat::Bgra8 => 4,
            PixelFormat::Gray8 => 1,
        }
    }
}

/// A borrowed raw pixel buffer: rows of `stride` bytes, each holding
/// `width` pixels of `format` (any bytes after them are padding).
#[derive(Debug, Clone, Copy)]
pub struct RawPixels<'a> {
    /// The bytes.
    pub data: &'a [u8],
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from the start of one row to the next (at least `width * channels`).
    pub stride: usize,
    /// Channel layout.
    pub format: PixelFormat,
}

impl<'a> RawPixels<'a> {
    /// A buffer whose rows have no padding.
    pub fn packed(data: &'a [u8], width: u32, height: u32, format: PixelFormat) -> Self {
        RawPixels {
            data,
            width,
            height,
            stride: width as usize * format.channels(),
            format,
        }
    }

    /// Converts to packed RGB, checking sizes against the buffer and the limits.
    pub fn to_rgb(&self, limits: &ImageLimits) -> Result<RgbImage> {
        limits.check_pixels(self.width, self.height)?;
        let (w, h) = (self.width as usize, self.height as usize);
        let ch = self.format.channels();
        let row = w * ch;
        if self.stride < row {
            return Err(Error::invalid_argument(
                "stride",
                format!(
                    "{} bytes per row is less than width {w} x {ch} channels = {row}",
                    self.stride
                ),
            ));
        }
        // A caller's stride can be anything: overflow is a short buffer, not a panic.
        let needed = self
            .stride
            .checked_mul(h - 1)
            .and_then(|n| n.checked_add(row))
            .unwrap_or(usize::MAX);
        if self.data.len() < needed {
            return Err(Error::invalid_argument(
                "data",
                format!(
                    "a {w}x{h} {:?} buffer with stride {} needs {needed} bytes, got {}",
                    self.format,
                    self.stride,
                    self.data.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            let src = &self.data[y * self.stride..y * self.stride + row];
            match self.format {
                PixelFormat::Rgb8 => out.extend_from_slice(src),
                PixelFormat::Rgba8 => {
                    for p in src.chunks_exact(4) {
                        out.extend_from_slice(&p[..3]);
                    }
                }
                PixelFormat::Bgr8 | PixelFormat::Bgra8 => {
                    for p in src.chunks_exact(ch) {
                        out.extend_from_slice(&[p[2], p[1], p[0]]);
                    }
                }
                PixelFormat::Gray8 => {
                    for &g in src {
                        out.extend_from_slice(&[g, g, g]);
                    }
                }
            }
        }
        RgbImage::new(self.width, self.height, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_converts_with_padding() {
        // 2x2 images, rows padded to 16 bytes.
        let px: [[u8; 3]; 4] = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]];
        for format in [
            PixelFormat::Rgb8,
            PixelFormat::Rgba8,
            PixelFormat::Bgr8,
            PixelFormat::Bgra8,
        ] {
            let mut buf = vec![0xEEu8; 32];
            for (i, p) in px.iter().enumerate() {
                let (y, x) = (i / 2, i % 2);
                let o = y * 16 + x * format.channels();
                let v = match format {
                    PixelFormat::Bgr8 | PixelFormat::Bgra8 => [p[2], p[1], p[0]],
                    _ => *p,
                };
                buf[o..o + 3].copy_from_slice(&v);
            }
            let raw = RawPixels {
                data: &buf,
                width: 2,
                height: 2,
                stride: 16,
                format,
            };
            let rgb = raw.to_rgb(&ImageLimits::default()).unwrap();
            for (i, p) in px.iter().enumerate() {
                assert_eq!(rgb.pixel(i as u32 % 2, i as u32 / 2), *p, "{format:?}");
            }
        }
        let grey = RawPixels::packed(&[7, 9], 2, 1, PixelFormat::Gray8)
            .to_rgb(&ImageLimits::default())
            .unwrap();
        assert_eq!(grey.as_bytes(), &[7, 7, 7, 9, 9, 9]);
    }

    #[test]
    fn bad_buffers_are_refused() {
        let l = ImageLimits::default();
        let short = RawPixels::packed(&[0u8; 11], 2, 2, PixelFormat::Rgb8);
        assert!(matches!(
            short.to_rgb(&l),
            Err(Error::InvalidArgument { name: "data", .. })
        ));
        let stride = RawPixels {
            stride: 5,
            ..RawPixels::packed(&[0u8; 12], 2, 2, PixelFormat::Rgb8)
        };
        assert!(matches!(
            stride.to_rgb(&l),
            Err(Error::InvalidArgument { name: "stride", .. })
        ));
        let huge = RawPixels {
            stride: usize::MAX / 2,
            ..RawPixels::packed(&[0u8; 12], 2, 3, PixelFormat::Rgb8)
        };
        assert!(matches!(
            huge.to_rgb(&l),
            Err(Error::InvalidArgument { name: "data", .. })
        ));
        let empty = RawPixels::packed(&[], 0, 5, PixelFormat::Rgb8);
        assert!(matches!(empty.to_rgb(&l), Err(Error::EmptyInput { .. })));
        let big = RawPixels::packed(&[0u8; 300], 10, 10, PixelFormat::Rgb8);
        let small = ImageLimits {
            max_pixels: 99,
            ..l
        };
        assert!(matches!(
            big.to_rgb(&small),
            Err(Error::InputTooLarge { unit: "pixels", .. })
        ));
    }
}
