//! Decoded RGB pixels to a model's input tensor: resize, centre crop,
//! normalise, lay out. Equal to the Pillow + numpy pipelines the models were
//! trained with (checked by `voiceprint-py/tests/test_image.py` on real images).

use fast_image_resize as fir;

use super::{ChannelOrder, ImageProfile, ResizeFilter, ResizeMode, TensorLayout};
use crate::image::RgbImage;
use crate::{Error, Result};

/// One preprocessed image, in the profile's layout, without the batch axis.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTensor {
    /// `[3, height, width]` (NCHW) or `[height, width, 3]` (NHWC).
    pub shape: [usize; 3],
    /// Row-major values.
    pub data: Vec<f32>,
}

/// Resizes, crops and normalises `image` as `profile` says.
///
/// ```
/// use voiceprint_core::features::{preprocess_image, ImageProfile};
/// use voiceprint_core::image::RgbImage;
/// let white = RgbImage::new(320, 240, vec![255; 320 * 240 * 3])?;
/// let t = preprocess_image(&white, &ImageProfile::preset("keras-mobilenetv2")?)?;
/// assert_eq!(t.shape, [224, 224, 3]);
/// assert!(t.data.iter().all(|&v| (v - 1.0).abs() < 1e-6)); // white is 1.0 in [-1, 1]
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn preprocess_image(image: &RgbImage, profile: &ImageProfile) -> Result<ImageTensor> {
    profile.validate()?;
    let (rw, rh) = resized_size(image.width(), image.height(), profile);
    let resized = resize(image, rw, rh, profile.filter)?;
    let (w, h) = (profile.width as usize, profile.height as usize);
    // Offsets of the crop in the resized image; negative when the crop is
    // larger and the image is padded with zeros.
    let (left, top) = match profile.resize {
        ResizeMode::Stretch => (0, 0),
        ResizeMode::ShorterSideThenCenterCrop { .. } => (
            crop_offset(rw, profile.width),
            crop_offset(rh, profile.height),
        ),
    };
    let lut = normalisation_table(profile);
    let zero = [lut[0][0], lut[1][0], lut[2][0]];
    let order: [usize; 3] = match profile.channels {
        ChannelOrder::Rgb => [0, 1, 2],
        ChannelOrder::Bgr => [2, 1, 0],
    };
    let src = resized.as_bytes();
    let src_w = rw as usize;
    let mut data = vec![0.0f32; 3 * w * h];
    for y in 0..h {
        let sy = y as i64 + top;
        for x in 0..w {
            let sx = x as i64 + left;
            let inside = sy >= 0 && sy < i64::from(rh) && sx >= 0 && sx < i64::from(rw);
            let base = if inside {
                Some((sy as usize * src_w + sx as usize) * 3)
            } else {
                None
            };
            for (k, &c) in order.iter().enumerate() {
                let v = match base {
                    Some(i) => lut[c][src[i + c] as usize],
                    // torchvision pads with 0 *before* normalising
                    None => zero[c],
                };
                let at = match profile.layout {
                    TensorLayout::Nchw => (k * h + y) * w + x,
                    TensorLayout::Nhwc => (y * w + x) * 3 + k,
                };
                data[at] = v;
            }
        }
    }
    Ok(ImageTensor {
        shape: profile.tensor_shape(),
        data,
    })
}

/// Size after the resize step. For the shorter-side mode the long side is
/// `int(shorter_side * long / short)`, truncated, as torchvision computes it.
fn resized_size(width: u32, height: u32, profile: &ImageProfile) -> (u32, u32) {
    match profile.resize {
        ResizeMode::Stretch => (profile.width, profile.height),
        ResizeMode::ShorterSideThenCenterCrop { shorter_side } => {
            let s = shorter_side;
            let scaled = |long: u32, short: u32| {
                ((f64::from(s) * f64::from(long) / f64::from(short)) as u32).max(1)
            };
            if width <= height {
                (s, scaled(height, width))
            } else {
                (scaled(width, height), s)
            }
        }
    }
}

/// torchvision's `center_crop` offset, `int(round((size - crop) / 2))` with
/// Python's round-half-to-even; when the crop is larger, minus the left
/// (top) padding `(crop - size) // 2`.
fn crop_offset(size: u32, crop: u32) -> i64 {
    if crop > size {
        -(i64::from(crop - size) / 2)
    } else {
        (f64::from(size - crop) / 2.0).round_ties_even() as i64
    }
}

/// `(v / 255 - mean) / std` for every byte value and channel (R, G, B).
fn normalisation_table(profile: &ImageProfile) -> [[f32; 256]; 3] {
    let mut lut = [[0.0f32; 256]; 3];
    for (c, row) in lut.iter_mut().enumerate() {
        for (v, out) in row.iter_mut().enumerate() {
            *out = (v as f32 / 255.0 - profile.mean[c]) / profile.std[c];
        }
    }
    lut
}

/// Resizes with Pillow's pass order: the horizontal pass first, rounded to
/// 8 bits, then the vertical one. (fast_image_resize runs the vertical pass
/// first on 8-bit images when asked for both at once, which rounds
/// differently from Pillow in about a fifth of the values; one pass per
/// call keeps Pillow's order.)
fn resize(image: &RgbImage, width: u32, height: u32, filter: ResizeFilter) -> Result<RgbImage> {
    let alg = match filter {
        ResizeFilter::Nearest => fir::ResizeAlg::Nearest,
        ResizeFilter::Bilinear => fir::ResizeAlg::Convolution(fir::FilterType::Bilinear),
        ResizeFilter::Bicubic => fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom),
        ResizeFilter::Lanczos3 => fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3),
    };
    let mut resizer = fir::Resizer::new();
    let horizontal = resize_pass(&mut resizer, image, width, image.height(), alg)?;
    resize_pass(&mut resizer, &horizontal, width, height, alg)
}

fn resize_pass(
    resizer: &mut fir::Resizer,
    image: &RgbImage,
    width: u32,
    height: u32,
    alg: fir::ResizeAlg,
) -> Result<RgbImage> {
    if (image.width(), image.height()) == (width, height) {
        return Ok(image.clone());
    }
    let fail = |e: &dyn std::fmt::Display| Error::invalid_argument("image", e.to_string());
    let src = fir::images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_bytes(),
        fir::PixelType::U8x3,
    )
    .map_err(|e| fail(&e))?;
    let mut dst = fir::images::Image::new(width, height, fir::PixelType::U8x3);
    resizer
        .resize(&src, &mut dst, &fir::ResizeOptions::new().resize_alg(alg))
        .map_err(|e| fail(&e))?;
    RgbImage::new(width, height, dst.into_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        let mut d = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h {
            for x in 0..w {
                d.extend_from_slice(&[(x * 255 / w.max(2)) as u8, (y * 255 / h.max(2)) as u8, 77]);
            }
        }
        RgbImage::new(w, h, d).unwrap()
    }

    #[test]
    fn torchvision_sizes_and_offsets_follow_torchvision() {
        let p = ImageProfile::preset("torchvision").unwrap();
        assert_eq!(resized_size(451, 300, &p), (384, 256)); // int(256 * 451 / 300) = 384
        assert_eq!(resized_size(300, 451, &p), (256, 384));
        assert_eq!(resized_size(512, 512, &p), (256, 256));
        assert_eq!(crop_offset(256, 224), 16);
        assert_eq!(crop_offset(341, 224), 58); // round(58.5) = 58 in Python
        assert_eq!(crop_offset(343, 224), 60); // round(59.5) = 60
        assert_eq!(crop_offset(200, 224), -12);
    }

    #[test]
    fn layouts_and_channel_orders_hold_the_same_values() {
        let img = gradient(50, 40);
        let nhwc = ImageProfile {
            width: 20,
            height: 16,
            ..ImageProfile::preset("keras-mobilenetv2").unwrap()
        };
        let nchw = ImageProfile {
            layout: TensorLayout::Nchw,
            ..nhwc.clone()
        };
        let bgr = ImageProfile {
            channels: ChannelOrder::Bgr,
            ..nhwc.clone()
        };
        let a = preprocess_image(&img, &nhwc).unwrap();
        let b = preprocess_image(&img, &nchw).unwrap();
        let c = preprocess_image(&img, &bgr).unwrap();
        assert_eq!(a.shape, [16, 20, 3]);
        assert_eq!(b.shape, [3, 16, 20]);
        for y in 0..16 {
            for x in 0..20 {
                for ch in 0..3 {
                    let v = a.data[(y * 20 + x) * 3 + ch];
                    assert_eq!(v, b.data[(ch * 16 + y) * 20 + x]);
                    assert_eq!(v, c.data[(y * 20 + x) * 3 + (2 - ch)]);
                }
            }
        }
    }

    #[test]
    fn crop_larger_than_image_pads_with_zero_pixels() {
        let p = ImageProfile {
            width: 8,
            height: 8,
            resize: ResizeMode::ShorterSideThenCenterCrop { shorter_side: 4 },
            ..ImageProfile::preset("torchvision").unwrap()
        };
        let white = RgbImage::new(4, 4, vec![255; 48]).unwrap();
        let t = preprocess_image(&white, &p).unwrap();
        let at = |c: usize, y: usize, x: usize| t.data[(c * 8 + y) * 8 + x];
        let white_r = (1.0 - 0.485) / 0.229;
        let zero_r = -0.485 / 0.229;
        assert!((at(0, 0, 0) - zero_r).abs() < 1e-6);
        assert!((at(0, 2, 2) - white_r).abs() < 1e-6);
        assert!((at(0, 5, 5) - white_r).abs() < 1e-6);
        assert!((at(0, 6, 6) - zero_r).abs() < 1e-6);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_size_gives_the_profile_shape_and_a_constant_stays_constant(
            w in 1u32..300, h in 1u32..300, v in any::<u8>(), torch in any::<bool>()
        ) {
            let p = ImageProfile {
                width: 32,
                height: 24,
                ..ImageProfile::preset(if torch { "torchvision" } else { "keras-mobilenetv2" }).unwrap()
            };
            let img = RgbImage::new(w, h, vec![v; (w * h * 3) as usize]).unwrap();
            let t = preprocess_image(&img, &p).unwrap();
            prop_assert_eq!(t.data.len(), 3 * 32 * 24);
            // Convolution weights sum to one: a flat image stays flat (no
            // padding happens here because the shorter side covers the crop).
            let expect = (v as f32 / 255.0 - p.mean[0]) / p.std[0];
            let red: Vec<f32> = match p.layout {
                TensorLayout::Nchw => t.data[..32 * 24].to_vec(),
                TensorLayout::Nhwc => t.data.iter().step_by(3).copied().collect(),
            };
            prop_assert!(red.iter().all(|&x| (x - expect).abs() < 1e-5));
        }
    }
}
