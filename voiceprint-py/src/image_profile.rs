//! Image preprocessing profiles for Python: a preset name, or a dict with
//! the fields of core's `ImageProfile` (what `ImageEncoder.profile` and
//! `voiceprint.image_profile` return), so a custom profile is a preset's dict
//! with some fields changed.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use voiceprint_core::features::{
    ChannelOrder, ImageProfile, ResizeFilter, ResizeMode, TensorLayout,
};

use crate::errors::{IntoPyResult, InvalidModelSpecError};

const KEYS: &[&str] = &[
    "width",
    "height",
    "resize",
    "shorter_side",
    "filter",
    "mean",
    "std",
    "layout",
    "channels",
];

/// The fields of a preprocessing preset (keras-mobilenetv2, torchvision, clip) as a dict.
///
/// >>> p = voiceprint.image_profile("torchvision"); p["width"], p["layout"]
/// (224, 'nchw')
///
/// Change fields and pass the dict as `ImageEncoder(profile=...)` for a custom profile.
#[pyfunction]
pub fn image_profile<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyDict>> {
    to_dict(py, &ImageProfile::preset(name).py()?)
}

/// `profile=`: a preset name or a dict of every field.
pub fn extract(obj: &Bound<'_, PyAny>) -> PyResult<ImageProfile> {
    if let Ok(name) = obj.cast::<PyString>() {
        return ImageProfile::preset(&name.extract::<String>()?).py();
    }
    let Ok(d) = obj.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "profile is a preset name or a dict, not {}",
            obj.get_type().name()?
        )));
    };
    for key in d.keys() {
        let key: String = key.extract()?;
        if !KEYS.contains(&key.as_str()) {
            return Err(bad(format!(
                "unknown profile field {key:?}; fields: {}",
                KEYS.join(", ")
            )));
        }
    }
    let get = |key: &str| -> PyResult<Bound<'_, PyAny>> {
        d.get_item(key)?
            .ok_or_else(|| bad(format!("the profile dict has no {key:?}")))
    };
    let shorter_side = match get("resize")?.extract::<String>()?.as_str() {
        "shorter_side_then_center_crop" => Some(get("shorter_side")?.extract()?),
        _ => None,
    };
    let resize = ResizeMode::from_name(&get("resize")?.extract::<String>()?, shorter_side).py()?;
    let filter: ResizeFilter = get("filter")?.extract::<String>()?.parse().py()?;
    let layout: TensorLayout = get("layout")?.extract::<String>()?.parse().py()?;
    let channels: ChannelOrder = get("channels")?.extract::<String>()?.parse().py()?;
    Ok(ImageProfile {
        width: get("width")?.extract()?,
        height: get("height")?.extract()?,
        resize,
        filter,
        mean: get("mean")?.extract()?,
        std: get("std")?.extract()?,
        layout,
        channels,
    })
}

/// The dict form of a profile (the inverse of [`extract`]).
pub fn to_dict<'py>(py: Python<'py>, p: &ImageProfile) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("width", p.width)?;
    d.set_item("height", p.height)?;
    let shorter_side = match p.resize {
        ResizeMode::Stretch => None,
        ResizeMode::ShorterSideThenCenterCrop { shorter_side } => Some(shorter_side),
    };
    d.set_item("resize", p.resize.name())?;
    d.set_item("shorter_side", shorter_side)?;
    d.set_item("filter", p.filter.as_str())?;
    d.set_item("mean", p.mean.map(shortest))?;
    d.set_item("std", p.std.map(shortest))?;
    d.set_item("layout", p.layout.as_str())?;
    d.set_item("channels", p.channels.as_str())?;
    Ok(d)
}

/// The f64 with the f32's shortest decimal form (0.229, not 0.2290000021...),
/// so a dict reads as the statistics were written and compares equal to them.
fn shortest(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

fn bad(detail: String) -> PyErr {
    InvalidModelSpecError::new_err(detail)
}
