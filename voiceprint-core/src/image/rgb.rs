use crate::{Error, Result};

/// A decoded image: 8-bit RGB, row-major, tightly packed (`width * 3` bytes a row).
///
/// Alpha is dropped and grey is replicated into three channels, as Pillow's
/// `Image.convert("RGB")` does, which is what the Python pipelines models
/// were trained with do.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl RgbImage {
    /// Wraps packed RGB bytes; refuses a zero size or a buffer of the wrong length.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self> {
        if width == 0 || height == 0 {
            return Err(Error::EmptyInput { what: "image" });
        }
        let expected = width as usize * height as usize * 3;
        if data.len() != expected {
            return Err(Error::invalid_argument(
                "data",
                format!(
                    "a {width}x{height} RGB image has {expected} bytes, the buffer has {}",
                    data.len()
                ),
            ));
        }
        Ok(RgbImage {
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The packed RGB bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// Gives up the packed RGB bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// The pixel at column `x`, row `y` (panics when outside the image, like slice indexing).
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }
}

impl std::fmt::Debug for RgbImage {
    // The pixels would flood any log or assertion message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}
