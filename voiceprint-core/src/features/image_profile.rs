use crate::{Error, Result};

/// How an image is brought to the model's input size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeMode {
    /// Resize to exactly the profile's width × height, not keeping the aspect
    /// ratio (Keras `load_img(target_size=...)`, most tf2onnx exports).
    Stretch,
    /// Resize so the shorter side is `shorter_side`, keeping the aspect ratio
    /// (torchvision `Resize(int)`), then cut the centred width × height
    /// (torchvision `CenterCrop`, which pads with zeros when the image is smaller).
    ShorterSideThenCenterCrop {
        /// Length of the shorter side after resizing, in pixels.
        shorter_side: u32,
    },
}

/// Resampling filter, named as Pillow names them. `Bilinear`, `Bicubic` and
/// `Lanczos3` are convolutions that widen with the scale factor when
/// shrinking (antialiased), as Pillow's and torchvision's PIL path are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeFilter {
    /// Nearest neighbour.
    Nearest,
    /// Triangle filter (Pillow `BILINEAR`).
    Bilinear,
    /// Cubic filter with a = -0.5 (Pillow `BICUBIC`, Catmull-Rom).
    Bicubic,
    /// Lanczos, 3 lobes (Pillow `LANCZOS`).
    Lanczos3,
}

/// Memory layout of the model's input tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorLayout {
    /// `[batch, channels, height, width]` (PyTorch exports).
    Nchw,
    /// `[batch, height, width, channels]` (TensorFlow / Keras exports).
    Nhwc,
}

/// Order of the colour channels in the tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelOrder {
    /// Red, green, blue.
    Rgb,
    /// Blue, green, red (Caffe and OpenCV-trained models).
    Bgr,
}

/// String names of the profile's enums, as bindings and config files spell
/// them (`"bilinear"`, `"nchw"`, `"bgr"`, `"stretch"`, ...).
macro_rules! named_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The lower-case name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(Error::InvalidModelSpec {
                        detail: format!(
                            concat!($what, " {:?}: use {}"),
                            s,
                            [$($name),+].join(", ")
                        ),
                    }),
                }
            }
        }
    };
}

named_enum!(ResizeFilter, "resize filter", {
    Nearest => "nearest", Bilinear => "bilinear", Bicubic => "bicubic", Lanczos3 => "lanczos3",
});
named_enum!(TensorLayout, "tensor layout", { Nchw => "nchw", Nhwc => "nhwc" });
named_enum!(ChannelOrder, "channel order", { Rgb => "rgb", Bgr => "bgr" });

impl ResizeMode {
    /// `"stretch"` or `"shorter_side_then_center_crop"`.
    pub fn name(&self) -> &'static str {
        match self {
            ResizeMode::Stretch => "stretch",
            ResizeMode::ShorterSideThenCenterCrop { .. } => "shorter_side_then_center_crop",
        }
    }

    /// The mode called `name`; `shorter_side` is used by the cropping mode only.
    pub fn from_name(name: &str, shorter_side: Option<u32>) -> Result<Self> {
        match (name.trim().to_ascii_lowercase().as_str(), shorter_side) {
            ("stretch", _) => Ok(ResizeMode::Stretch),
            ("shorter_side_then_center_crop", Some(s)) => {
                Ok(ResizeMode::ShorterSideThenCenterCrop { shorter_side: s })
            }
            ("shorter_side_then_center_crop", None) => Err(Error::InvalidModelSpec {
                detail: "resize shorter_side_then_center_crop needs a shorter_side".to_string(),
            }),
            _ => Err(Error::InvalidModelSpec {
                detail: format!(
                    "resize mode {name:?}: use stretch or shorter_side_then_center_crop"
                ),
            }),
        }
    }
}

/// Everything between decoded RGB pixels and the model's input tensor.
///
/// Each value is `(pixel / 255 - mean[c]) / std[c]`, with `c` counted in
/// RGB order whatever [`ChannelOrder`] the tensor uses.
///
/// ```
/// use voiceprint_core::features::{ImageProfile, TensorLayout};
/// let p = ImageProfile::preset("torchvision")?;
/// assert_eq!((p.width, p.height, p.layout), (224, 224, TensorLayout::Nchw));
/// let custom = ImageProfile { width: 160, height: 160, ..ImageProfile::preset("keras-mobilenetv2")? };
/// custom.validate()?;
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImageProfile {
    /// Width of the model input, in pixels.
    pub width: u32,
    /// Height of the model input, in pixels.
    pub height: u32,
    /// How the image is resized (and cropped).
    pub resize: ResizeMode,
    /// The resampling filter.
    pub filter: ResizeFilter,
    /// Per-channel mean (R, G, B) on the [0, 1] pixel scale.
    pub mean: [f32; 3],
    /// Per-channel standard deviation (R, G, B) on the [0, 1] pixel scale.
    pub std: [f32; 3],
    /// Tensor layout.
    pub layout: TensorLayout,
    /// Channel order in the tensor.
    pub channels: ChannelOrder,
}

/// Names accepted by [`ImageProfile::preset`].
pub const IMAGE_PROFILES: &[&str] = &["keras-mobilenetv2", "torchvision", "clip"];

/// ImageNet statistics (torchvision's `Normalize` in its reference training scripts).
const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Largest side a profile may ask for; beyond it a typo, not a model.
const MAX_SIDE: u32 = 8192;

impl ImageProfile {
    /// A preset for a known family of exports.
    ///
    /// - `keras-mobilenetv2`: 224×224 bilinear stretch, no crop, values in
    ///   [-1, 1] (`tf.keras.applications.mobilenet_v2.preprocess_input`:
    ///   `x / 127.5 - 1`), NHWC, RGB: what tf2onnx exports of Keras models take.
    /// - `torchvision`: shorter side to 256 (bilinear), centre crop 224,
    ///   ImageNet mean / std, NCHW, RGB (torchvision's ImageNet eval transform).
    /// - `clip`: shorter side to 224 (bicubic), centre crop 224, CLIP's
    ///   mean / std, NCHW, RGB (OpenAI CLIP's `_transform`).
    pub fn preset(name: &str) -> Result<ImageProfile> {
        match name {
            "keras-mobilenetv2" => Ok(ImageProfile {
                width: 224,
                height: 224,
                resize: ResizeMode::Stretch,
                filter: ResizeFilter::Bilinear,
                // (x / 255 - 0.5) / 0.5 == x / 127.5 - 1
                mean: [0.5; 3],
                std: [0.5; 3],
                layout: TensorLayout::Nhwc,
                channels: ChannelOrder::Rgb,
            }),
            "torchvision" => Ok(ImageProfile {
                width: 224,
                height: 224,
                resize: ResizeMode::ShorterSideThenCenterCrop { shorter_side: 256 },
                filter: ResizeFilter::Bilinear,
                mean: IMAGENET_MEAN,
                std: IMAGENET_STD,
                layout: TensorLayout::Nchw,
                channels: ChannelOrder::Rgb,
            }),
            "clip" => Ok(ImageProfile {
                width: 224,
                height: 224,
                resize: ResizeMode::ShorterSideThenCenterCrop { shorter_side: 224 },
                filter: ResizeFilter::Bicubic,
                mean: [0.481_454_66, 0.457_827_5, 0.408_210_73],
                std: [0.268_629_54, 0.261_302_6, 0.275_777_1],
                layout: TensorLayout::Nchw,
                channels: ChannelOrder::Rgb,
            }),
            _ => Err(Error::InvalidModelSpec {
                detail: format!(
                    "unknown image profile {name:?}; known profiles: {}",
                    IMAGE_PROFILES.join(", ")
                ),
            }),
        }
    }

    /// Checks sizes and statistics.
    pub fn validate(&self) -> Result<()> {
        let side_ok = |s: u32| (1..=MAX_SIDE).contains(&s);
        if !side_ok(self.width) || !side_ok(self.height) {
            return Err(Error::InvalidModelSpec {
                detail: format!(
                    "image profile size {}x{} is outside 1..={MAX_SIDE}",
                    self.width, self.height
                ),
            });
        }
        if let ResizeMode::ShorterSideThenCenterCrop { shorter_side } = self.resize {
            if !side_ok(shorter_side) {
                return Err(Error::InvalidModelSpec {
                    detail: format!("shorter_side {shorter_side} is outside 1..={MAX_SIDE}"),
                });
            }
        }
        for c in 0..3 {
            if !self.mean[c].is_finite() || !self.std[c].is_finite() || self.std[c] == 0.0 {
                return Err(Error::InvalidModelSpec {
                    detail: format!(
                        "channel {c}: mean {} / std {} must be finite with std != 0",
                        self.mean[c], self.std[c]
                    ),
                });
            }
        }
        Ok(())
    }

    /// Shape of one preprocessed image in the tensor's layout (no batch axis).
    pub fn tensor_shape(&self) -> [usize; 3] {
        let (h, w) = (self.height as usize, self.width as usize);
        match self.layout {
            TensorLayout::Nchw => [3, h, w],
            TensorLayout::Nhwc => [h, w, 3],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_unknown_names_listed() {
        for name in IMAGE_PROFILES {
            ImageProfile::preset(name).unwrap().validate().unwrap();
        }
        let err = ImageProfile::preset("resnet-ish").unwrap_err().to_string();
        assert!(err.contains("torchvision") && err.contains("keras-mobilenetv2"));
    }

    #[test]
    fn enum_names_round_trip() {
        for f in [
            ResizeFilter::Nearest,
            ResizeFilter::Bilinear,
            ResizeFilter::Bicubic,
            ResizeFilter::Lanczos3,
        ] {
            assert_eq!(f.as_str().parse::<ResizeFilter>().unwrap(), f);
        }
        for l in [TensorLayout::Nchw, TensorLayout::Nhwc] {
            assert_eq!(l.as_str().parse::<TensorLayout>().unwrap(), l);
        }
        assert_eq!(" BGR ".parse::<ChannelOrder>().unwrap(), ChannelOrder::Bgr);
        let err = "area".parse::<ResizeFilter>().unwrap_err().to_string();
        assert!(err.contains("bilinear") && err.contains("area"), "{err}");
        let crop = ResizeMode::ShorterSideThenCenterCrop { shorter_side: 256 };
        assert_eq!(ResizeMode::from_name(crop.name(), Some(256)).unwrap(), crop);
        assert_eq!(
            ResizeMode::from_name("stretch", None).unwrap(),
            ResizeMode::Stretch
        );
        assert!(ResizeMode::from_name(crop.name(), None).is_err());
        assert!(ResizeMode::from_name("fit", None).is_err());
    }

    #[test]
    fn bad_profiles_are_refused() {
        let base = ImageProfile::preset("torchvision").unwrap();
        for bad in [
            ImageProfile {
                width: 0,
                ..base.clone()
            },
            ImageProfile {
                height: MAX_SIDE + 1,
                ..base.clone()
            },
            ImageProfile {
                std: [0.2, 0.0, 0.2],
                ..base.clone()
            },
            ImageProfile {
                mean: [f32::NAN, 0.0, 0.0],
                ..base.clone()
            },
            ImageProfile {
                resize: ResizeMode::ShorterSideThenCenterCrop { shorter_side: 0 },
                ..base.clone()
            },
        ] {
            assert!(matches!(
                bad.validate(),
                Err(Error::InvalidModelSpec { .. })
            ));
        }
    }
}
