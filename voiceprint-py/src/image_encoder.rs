use std::path::PathBuf;
use std::sync::Arc;

use numpy::ndarray::{Array2, Array3};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use voiceprint_core::embed::model_id_of;
use voiceprint_core::image::ImageLimits;
use voiceprint_core::{ImageEncoder as _, ImageModelSpec, OnnxImageEncoder};

use crate::errors::IntoPyResult;
use crate::image_input::{parse_channel_order, OwnedImage};
use crate::{image_profile, runtime};

/// An image model: an image in, a float32 feature vector out.
///
/// >>> enc = voiceprint.ImageEncoder("mobilenetv2.onnx", "keras-mobilenetv2", output="features")
/// >>> enc.embed("shoe.jpg").shape
/// (1280,)
///
/// `profile` is a preset (keras-mobilenetv2, torchvision, clip) or a dict
/// (see `voiceprint.image_profile`). `output` names the feature tensor (the
/// pooled layer, not the logits; default the model's first output) and
/// `input` the image input. `model_id` defaults to the file's stem.
/// `max_pixels` / `max_bytes` bound decoded images and encoded inputs
/// (defaults 89,478,485 pixels, 64 MiB); beyond them calls raise
/// `InputTooLargeError`. Images are paths, bytes, PIL images or numpy uint8
/// arrays. Safe to share between threads; the GIL is released while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct ImageEncoder {
    pub inner: Arc<OnnxImageEncoder>,
}

#[pymethods]
impl ImageEncoder {
    #[new]
    #[pyo3(signature = (
        model_path, profile=None, *, output=None, input=None, model_id=None, normalize=true,
        dim=None, max_batch=16, max_pixels=None, max_bytes=None, provider="cpu", threads=0,
        ort_library=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        model_path: PathBuf,
        profile: Option<&Bound<'_, PyAny>>,
        output: Option<String>,
        input: Option<String>,
        model_id: Option<String>,
        normalize: bool,
        dim: Option<usize>,
        max_batch: usize,
        max_pixels: Option<u64>,
        max_bytes: Option<u64>,
        provider: &str,
        threads: usize,
        ort_library: Option<PathBuf>,
    ) -> PyResult<Self> {
        let profile = match profile {
            Some(p) => image_profile::extract(p)?,
            None => voiceprint_core::features::ImageProfile::preset("torchvision").py()?,
        };
        // The default id is the one `OnnxImageEncoder::from_profile` gives.
        let model_id = model_id.unwrap_or_else(|| model_id_of(&model_path));
        let spec = ImageModelSpec {
            input_name: input,
            output_name: output,
            normalize,
            dim,
            max_batch,
            ..ImageModelSpec::with_profile(model_id, profile)
        };
        let defaults = ImageLimits::default();
        let limits = ImageLimits {
            max_bytes: max_bytes.unwrap_or(defaults.max_bytes),
            max_pixels: max_pixels.unwrap_or(defaults.max_pixels),
        };
        let config = runtime::config(py, provider, threads, ort_library)?;
        let mut enc = py
            .detach(|| OnnxImageEncoder::load(&model_path, spec, &config))
            .py()?;
        enc.set_limits(limits);
        Ok(ImageEncoder {
            inner: Arc::new(enc),
        })
    }

    /// The feature vector of one image (float32, unit length when `normalize`).
    ///
    /// `channel_order="bgr"` reads numpy arrays as OpenCV holds them.
    #[pyo3(signature = (image, *, channel_order="rgb"))]
    fn embed<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        channel_order: &str,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let input = OwnedImage::extract(image, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        let e = py.detach(move || inner.embed(input.as_input())).py()?;
        Ok(PyArray1::from_vec(py, e.vector))
    }

    /// Feature vectors of several images as one `[n, dim]` float32 array
    /// (decoded in parallel, batched through the model).
    #[pyo3(signature = (images, *, channel_order="rgb"))]
    fn embed_batch<'py>(
        &self,
        py: Python<'py>,
        images: &Bound<'py, PyAny>,
        channel_order: &str,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let inputs = OwnedImage::extract_many(images, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        let dim = inner.dim();
        let out = py
            .detach(move || {
                let refs: Vec<_> = inputs.iter().map(OwnedImage::as_input).collect();
                inner.embed_batch(&refs)
            })
            .py()?;
        let n = out.len();
        let flat: Vec<f32> = out.into_iter().flat_map(|e| e.vector).collect();
        let rows = Array2::from_shape_vec((n, dim), flat)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(rows.into_pyarray(py))
    }

    /// The model input for one image without the batch axis, e.g. `(3, 224, 224)`:
    /// exactly what `embed` feeds the model.
    #[pyo3(signature = (image, *, channel_order="rgb"))]
    fn preprocess<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        channel_order: &str,
    ) -> PyResult<Bound<'py, PyArray3<f32>>> {
        let input = OwnedImage::extract(image, parse_channel_order(channel_order)?)?;
        let inner = self.inner.clone();
        let t = py.detach(move || inner.preprocess(input.as_input())).py()?;
        let [a, b, c] = t.shape;
        let arr = Array3::from_shape_vec((a, b, c), t.data)
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        Ok(arr.into_pyarray(py))
    }

    /// Id of the model; stores are bound to it.
    #[getter]
    fn model_id(&self) -> String {
        self.inner.model_id().to_string()
    }

    /// Length of the feature vectors.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.dim()
    }

    /// The preprocessing profile as a dict (width, height, resize, shorter_side,
    /// filter, mean, std, layout, channels).
    #[getter]
    fn profile<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        image_profile::to_dict(py, self.inner.profile())
    }

    /// Whether vectors are L2-normalised.
    #[getter]
    fn normalize(&self) -> bool {
        self.inner.spec().normalize
    }

    /// The execution provider in use (`cpu` after a fallback).
    #[getter]
    fn provider(&self) -> String {
        self.inner.model().provider().to_string()
    }

    fn __repr__(&self) -> String {
        let p = self.inner.profile();
        format!(
            "ImageEncoder(model_id={:?}, dim={}, input={}x{} {:?}, provider={})",
            self.inner.model_id(),
            self.inner.dim(),
            p.width,
            p.height,
            p.layout,
            self.provider()
        )
    }
}
