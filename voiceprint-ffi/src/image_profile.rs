//! `vp_image_profile`: how an image becomes a model's input tensor (resize,
//! crop, normalise, layout), a preset or made by hand. Mirrors core's
//! `ImageProfile`, `ResizeMode`, `ResizeFilter`, `TensorLayout` and
//! `ChannelOrder`.

use std::ffi::c_char;

use voiceprint_core::features::{
    ChannelOrder, ImageProfile, ResizeFilter, ResizeMode, TensorLayout,
};
use voiceprint_core::Error;

use crate::args::{out_arg, str_arg};
use crate::error::{ffi_call, FfiResult};
use crate::status::vp_status;

/// How an image is brought to the profile's width and height.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_resize_mode {
    /// Resize to exactly width x height, not keeping the aspect ratio
    /// (Keras `load_img(target_size=...)`, most tf2onnx exports).
    Stretch = 0,
    /// Resize so the shorter side is `shorter_side`, keeping the aspect
    /// ratio (torchvision `Resize(int)`), then cut the centred width x
    /// height (torchvision `CenterCrop`, zero-padded when smaller).
    ShorterSideThenCenterCrop = 1,
}

/// Resampling filter, as Pillow names them; all but nearest are
/// antialiased when shrinking, as Pillow's are.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_resize_filter {
    /// Nearest neighbour.
    Nearest = 0,
    /// Triangle filter (Pillow `BILINEAR`).
    Bilinear = 1,
    /// Cubic filter, a = -0.5 (Pillow `BICUBIC`).
    Bicubic = 2,
    /// Lanczos, 3 lobes (Pillow `LANCZOS`).
    Lanczos3 = 3,
}

/// Memory layout of the model's input tensor.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_tensor_layout {
    /// `[batch, channels, height, width]` (PyTorch exports).
    Nchw = 0,
    /// `[batch, height, width, channels]` (TensorFlow / Keras exports).
    Nhwc = 1,
}

/// Order of the colour channels in the tensor.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum vp_channel_order {
    /// Red, green, blue.
    Rgb = 0,
    /// Blue, green, red (Caffe- and OpenCV-trained models).
    Bgr = 1,
}

/// Everything between decoded RGB pixels and the model's input tensor:
/// each value is `(pixel / 255 - mean[c]) / std[c]`, `c` counted in RGB
/// order whatever `channels` says.
///
/// Start from `vp_image_profile_preset` and change fields for a custom
/// profile; pass it to `vp_image_encoder_new_with_profile`. The enum fields
/// are plain integers so that a bad value is refused with
/// `VP_STATUS_INVALID_ARGUMENT` rather than misread.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct vp_image_profile {
    /// Width of the model input, in pixels.
    pub width: u32,
    /// Height of the model input, in pixels.
    pub height: u32,
    /// A `vp_resize_mode` value.
    pub resize: u32,
    /// Length of the shorter side after resizing, for
    /// `VP_RESIZE_MODE_SHORTER_SIDE_THEN_CENTER_CROP`; 0 and ignored otherwise.
    pub shorter_side: u32,
    /// A `vp_resize_filter` value.
    pub filter: u32,
    /// Per-channel mean (R, G, B) on the [0, 1] pixel scale.
    pub mean: [f32; 3],
    /// Per-channel standard deviation (R, G, B) on the [0, 1] pixel scale.
    pub std: [f32; 3],
    /// A `vp_tensor_layout` value.
    pub layout: u32,
    /// A `vp_channel_order` value.
    pub channels: u32,
}

impl From<&ImageProfile> for vp_image_profile {
    fn from(p: &ImageProfile) -> Self {
        let (resize, shorter_side) = match p.resize {
            ResizeMode::Stretch => (vp_resize_mode::Stretch, 0),
            ResizeMode::ShorterSideThenCenterCrop { shorter_side } => {
                (vp_resize_mode::ShorterSideThenCenterCrop, shorter_side)
            }
        };
        let filter = match p.filter {
            ResizeFilter::Nearest => vp_resize_filter::Nearest,
            ResizeFilter::Bilinear => vp_resize_filter::Bilinear,
            ResizeFilter::Bicubic => vp_resize_filter::Bicubic,
            ResizeFilter::Lanczos3 => vp_resize_filter::Lanczos3,
        };
        let layout = match p.layout {
            TensorLayout::Nchw => vp_tensor_layout::Nchw,
            TensorLayout::Nhwc => vp_tensor_layout::Nhwc,
        };
        let channels = match p.channels {
            ChannelOrder::Rgb => vp_channel_order::Rgb,
            ChannelOrder::Bgr => vp_channel_order::Bgr,
        };
        vp_image_profile {
            width: p.width,
            height: p.height,
            resize: resize as u32,
            shorter_side,
            filter: filter as u32,
            mean: p.mean,
            std: p.std,
            layout: layout as u32,
            channels: channels as u32,
        }
    }
}

fn bad_enum(field: &'static str, value: u32, values: &str) -> crate::error::FfiError {
    Error::invalid_argument(field, format!("{value} is not a {values}")).into()
}

/// Core's profile from the C struct. Sizes and statistics are checked by
/// core when the encoder is made (`VP_STATUS_INVALID_MODEL_SPEC`).
pub(crate) fn profile_arg(p: &vp_image_profile) -> FfiResult<ImageProfile> {
    const STRETCH: u32 = vp_resize_mode::Stretch as u32;
    const CROP: u32 = vp_resize_mode::ShorterSideThenCenterCrop as u32;
    const NEAREST: u32 = vp_resize_filter::Nearest as u32;
    const BILINEAR: u32 = vp_resize_filter::Bilinear as u32;
    const BICUBIC: u32 = vp_resize_filter::Bicubic as u32;
    const LANCZOS3: u32 = vp_resize_filter::Lanczos3 as u32;
    const NCHW: u32 = vp_tensor_layout::Nchw as u32;
    const NHWC: u32 = vp_tensor_layout::Nhwc as u32;
    const RGB: u32 = vp_channel_order::Rgb as u32;
    const BGR: u32 = vp_channel_order::Bgr as u32;
    let resize = match p.resize {
        STRETCH => ResizeMode::Stretch,
        CROP => ResizeMode::ShorterSideThenCenterCrop {
            shorter_side: p.shorter_side,
        },
        other => {
            return Err(bad_enum(
                "profile.resize",
                other,
                "vp_resize_mode (0 stretch, 1 shorter side then centre crop)",
            ))
        }
    };
    let filter = match p.filter {
        NEAREST => ResizeFilter::Nearest,
        BILINEAR => ResizeFilter::Bilinear,
        BICUBIC => ResizeFilter::Bicubic,
        LANCZOS3 => ResizeFilter::Lanczos3,
        other => {
            return Err(bad_enum(
                "profile.filter",
                other,
                "vp_resize_filter (0 nearest, 1 bilinear, 2 bicubic, 3 lanczos3)",
            ))
        }
    };
    let layout = match p.layout {
        NCHW => TensorLayout::Nchw,
        NHWC => TensorLayout::Nhwc,
        other => {
            return Err(bad_enum(
                "profile.layout",
                other,
                "vp_tensor_layout (0 nchw, 1 nhwc)",
            ))
        }
    };
    let channels = match p.channels {
        RGB => ChannelOrder::Rgb,
        BGR => ChannelOrder::Bgr,
        other => {
            return Err(bad_enum(
                "profile.channels",
                other,
                "vp_channel_order (0 rgb, 1 bgr)",
            ))
        }
    };
    Ok(ImageProfile {
        width: p.width,
        height: p.height,
        resize,
        filter,
        mean: p.mean,
        std: p.std,
        layout,
        channels,
    })
}

/// The fields of a named preprocessing preset into `*out`:
///
/// - `"keras-mobilenetv2"`: 224x224 bilinear stretch, values in [-1, 1]
///   (`x / 127.5 - 1`), NHWC, RGB: what tf2onnx exports of Keras models take;
/// - `"torchvision"`: shorter side to 256 (bilinear), centre crop 224,
///   ImageNet mean / std, NCHW, RGB (torchvision's ImageNet eval transform);
/// - `"clip"`: shorter side to 224 (bicubic), centre crop 224, CLIP's
///   mean / std, NCHW, RGB.
///
/// `*out` is left alone on failure. Errors: `VP_STATUS_INVALID_MODEL_SPEC`
/// (unknown name; the message lists the known ones),
/// `VP_STATUS_NULL_POINTER`, `VP_STATUS_INVALID_UTF8`. Thread-safe.
///
/// # Safety
/// `name` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_image_profile_preset(
    name: *const c_char,
    out: *mut vp_image_profile,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: as above.
        let name = unsafe { str_arg(name, "name") }?;
        *out = vp_image_profile::from(&ImageProfile::preset(name)?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use voiceprint_core::features::IMAGE_PROFILES;

    #[test]
    fn presets_round_trip_through_the_c_struct() {
        for name in IMAGE_PROFILES {
            let core = ImageProfile::preset(name).unwrap();
            assert_eq!(profile_arg(&vp_image_profile::from(&core)).unwrap(), core);
        }
        let mut p = vp_image_profile::from(&ImageProfile::preset("torchvision").unwrap());
        // SAFETY: a static string and a live struct.
        unsafe {
            assert_eq!(
                vp_image_profile_preset(c"keras-mobilenetv2".as_ptr(), &mut p),
                vp_status::Ok
            );
            assert_eq!(p.layout, vp_tensor_layout::Nhwc as u32);
            assert_eq!(p.shorter_side, 0);
            assert_eq!(
                vp_image_profile_preset(c"resnet-ish".as_ptr(), &mut p),
                vp_status::InvalidModelSpec
            );
        }
    }

    #[test]
    fn bad_enum_values_are_refused() {
        let good = vp_image_profile::from(&ImageProfile::preset("clip").unwrap());
        for bad in [
            vp_image_profile { resize: 2, ..good },
            vp_image_profile { filter: 4, ..good },
            vp_image_profile { layout: 2, ..good },
            vp_image_profile {
                channels: 2,
                ..good
            },
        ] {
            match profile_arg(&bad) {
                Err(crate::error::FfiError::Core(e)) => {
                    assert_eq!(e.kind(), voiceprint_core::ErrorKind::InvalidArgument)
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
