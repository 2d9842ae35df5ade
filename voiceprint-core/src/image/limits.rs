/// Limits applied before and while decoding an image, against decompression
/// bombs and runaway uploads.
///
/// ```
/// use voiceprint_core::image::ImageLimits;
/// let strict = ImageLimits { max_pixels: 4_000_000, ..ImageLimits::default() };
/// assert!(strict.max_bytes > 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest encoded input (file or buffer) accepted, in bytes. Default 64 MiB.
    pub max_bytes: u64,
    /// Largest image accepted, width × height. Default 89,478,485, Pillow's
    /// `Image.MAX_IMAGE_PIXELS` (its decompression-bomb warning threshold).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_bytes: 64 << 20,
            max_pixels: 89_478_485,
        }
    }
}

impl ImageLimits {
    /// No limits (trusted input only).
    pub fn unlimited() -> Self {
        ImageLimits {
            max_bytes: u64::MAX,
            max_pixels: u64::MAX,
        }
    }

    pub(crate) fn check_bytes(&self, len: u64) -> crate::Result<()> {
        if len > self.max_bytes {
            return Err(crate::Error::InputTooLarge {
                what: "image",
                actual: len,
                limit: self.max_bytes,
                unit: "bytes",
            });
        }
        Ok(())
    }

    pub(crate) fn check_pixels(&self, width: u32, height: u32) -> crate::Result<()> {
        if width == 0 || height == 0 {
            return Err(crate::Error::EmptyInput { what: "image" });
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(crate::Error::InputTooLarge {
                what: "image",
                actual: pixels,
                limit: self.max_pixels,
                unit: "pixels",
            });
        }
        Ok(())
    }
}
