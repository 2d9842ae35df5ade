use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Embedding, ImageEncoder, ImageModelSpec};
use crate::features::{preprocess_image, ImageProfile, ImageTensor, TensorLayout};
use crate::image::{ImageInput, ImageLimits};
use crate::runtime::{Model, RuntimeConfig, TensorInfo};
use crate::{Error, Result};

/// An image encoder running any ONNX vision model (MobileNetV2, ResNet,
/// CLIP's vision tower, ...) described by an [`ImageModelSpec`].
///
/// `Send + Sync`: share one instance (e.g. in an `Arc`) between threads.
/// Batches are decoded and preprocessed in parallel (rayon), the next chunk
/// while the model runs the current one.
///
/// ```no_run
/// use voiceprint_core::embed::{ImageEncoder, ImageModelSpec, OnnxImageEncoder};
/// use voiceprint_core::runtime::RuntimeConfig;
/// let spec = ImageModelSpec::new("mobilenetv2", "torchvision")?.with_output("features");
/// let enc = OnnxImageEncoder::load("mobilenetv2.onnx", spec, &RuntimeConfig::default())?;
/// let a = enc.embed("shoe.jpg".into())?;
/// let b = enc.embed("shoe-thumbnail.webp".into())?;
/// println!("similarity {:.3}", a.similarity(&b)?);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub struct OnnxImageEncoder {
    model: Model,
    spec: ImageModelSpec,
    model_id: Arc<str>,
    input: String,
    output: String,
    dim: usize,
    /// `Some(b)` when the model's batch axis is fixed at `b`.
    fixed_batch: Option<usize>,
    limits: ImageLimits,
}

impl std::fmt::Debug for OnnxImageEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxImageEncoder")
            .field("model_id", &self.model_id)
            .field("dim", &self.dim)
            .field("input", &self.input)
            .field("output", &self.output)
            .field("profile", &self.spec.profile)
            .finish()
    }
}

impl OnnxImageEncoder {
    /// Loads a model with a named preprocessing profile
    /// ([`ImageProfile::preset`]); the model id is the file's stem and the
    /// feature vector the model's first output.
    pub fn from_profile(
        path: impl AsRef<Path>,
        profile: &str,
        runtime: &RuntimeConfig,
    ) -> Result<Self> {
        let path = path.as_ref();
        Self::load(path, ImageModelSpec::for_model(path, profile)?, runtime)
    }

    /// Loads a model with a full spec, checking the spec against the model's
    /// input (rank 4, channels where the layout puts them, size).
    pub fn load(
        path: impl AsRef<Path>,
        spec: ImageModelSpec,
        runtime: &RuntimeConfig,
    ) -> Result<Self> {
        spec.validate()?;
        let model = Model::load(path.as_ref(), runtime)?;
        let input = model.input(spec.input_name.as_deref())?.clone();
        let output = model.output(spec.output_name.as_deref())?.clone();
        let fixed_batch = check_input(&input, &spec.profile)?;
        let mut enc = OnnxImageEncoder {
            model,
            model_id: Arc::from(spec.model_id.as_str()),
            input: input.name,
            output: output.name.clone(),
            dim: 0,
            fixed_batch,
            spec,
            limits: ImageLimits::default(),
        };
        let static_dim = output
            .shape
            .get(1..)
            .filter(|d| !d.is_empty() && d.iter().all(|&x| x > 0))
            .map(|d| d.iter().product::<i64>() as usize);
        // A dynamic feature shape is probed once with a black image, so the
        // dimension is known before any store is bound to it.
        let actual = match static_dim {
            Some(d) => d,
            None => {
                let probe = ImageTensor {
                    shape: enc.spec.profile.tensor_shape(),
                    data: vec![0.0; 3 * enc.pixels()],
                };
                enc.run_chunk(&[probe])?.first().map(Vec::len).unwrap_or(0)
            }
        };
        if actual == 0 {
            return Err(Error::InvalidModelSpec {
                detail: format!("output `{}` has no feature values", enc.output),
            });
        }
        enc.dim = super::spec::checked_dim(enc.spec.dim, actual)?;
        Ok(enc)
    }

    /// The spec the encoder runs with.
    pub fn spec(&self) -> &ImageModelSpec {
        &self.spec
    }

    /// The underlying ONNX model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Limits applied when this encoder decodes files, buffers and pixels.
    pub fn set_limits(&mut self, limits: ImageLimits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> &ImageLimits {
        &self.limits
    }

    /// Decodes and preprocesses one image into the model's input tensor
    /// (without the batch axis), exactly what [`embed`](ImageEncoder::embed) feeds the model.
    pub fn preprocess(&self, input: ImageInput<'_>) -> Result<ImageTensor> {
        let rgb = input.decode(&self.limits)?;
        preprocess_image(&rgb, &self.spec.profile)
    }

    /// Embeds tensors that are already preprocessed (each of
    /// [`ImageProfile::tensor_shape`]), e.g. by a pipeline of your own.
    pub fn embed_tensors(&self, tensors: &[ImageTensor]) -> Result<Vec<Embedding>> {
        let mut out = Vec::with_capacity(tensors.len());
        for chunk in tensors.chunks(self.batch_size()) {
            out.extend(self.finish(self.run_chunk(chunk)?)?);
        }
        Ok(out)
    }

    fn pixels(&self) -> usize {
        self.spec.profile.width as usize * self.spec.profile.height as usize
    }

    fn batch_size(&self) -> usize {
        self.fixed_batch.unwrap_or(self.spec.max_batch)
    }

    /// Runs at most one batch; returns one raw feature row per tensor.
    fn run_chunk(&self, tensors: &[ImageTensor]) -> Result<Vec<Vec<f32>>> {
        let shape = self.spec.profile.tensor_shape();
        let per = 3 * self.pixels();
        // A model with a fixed batch axis gets full batches, zero-padded.
        let rows = self.fixed_batch.unwrap_or(tensors.len()).max(tensors.len());
        let mut data = Vec::with_capacity(rows * per);
        for t in tensors {
            if t.shape != shape || t.data.len() != per {
                return Err(Error::invalid_argument(
                    "tensor",
                    format!(
                        "preprocessed tensor has shape {:?}; this model takes {shape:?}",
                        t.shape
                    ),
                ));
            }
            data.extend_from_slice(&t.data);
        }
        data.resize(rows * per, 0.0);
        let (out_shape, values) = self.model.run_f32(
            &self.input,
            &[rows, shape[0], shape[1], shape[2]],
            &data,
            &self.output,
        )?;
        let got_rows = out_shape.first().copied().unwrap_or(0);
        if got_rows != rows || got_rows == 0 || values.len() % rows != 0 || values.is_empty() {
            return Err(Error::Inference {
                detail: format!(
                    "output `{}` has shape {out_shape:?}; expected [{rows}, ...]",
                    self.output
                ),
            });
        }
        let dim = values.len() / rows;
        Ok(values
            .chunks_exact(dim)
            .take(tensors.len())
            .map(<[f32]>::to_vec)
            .collect())
    }

    /// Raw rows to embeddings: normalised when the spec says so, checked otherwise.
    fn finish(&self, rows: Vec<Vec<f32>>) -> Result<Vec<Embedding>> {
        rows.into_iter()
            .map(|row| {
                if row.len() != self.dim {
                    return Err(Error::DimensionMismatch {
                        expected: self.dim,
                        actual: row.len(),
                    });
                }
                if self.spec.normalize {
                    Embedding::from_raw(row, self.model_id.clone())
                } else if row.iter().all(|v| v.is_finite()) {
                    Ok(Embedding {
                        vector: row,
                        model_id: self.model_id.clone(),
                    })
                } else {
                    Err(Error::Inference {
                        detail: "the model produced a non-finite feature value".to_string(),
                    })
                }
            })
            .collect()
    }

    fn preprocess_chunk(&self, inputs: &[ImageInput<'_>]) -> Result<Vec<ImageTensor>> {
        inputs.par_iter().map(|i| self.preprocess(*i)).collect()
    }
}

impl ImageEncoder for OnnxImageEncoder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn profile(&self) -> &ImageProfile {
        &self.spec.profile
    }

    fn embed(&self, input: ImageInput<'_>) -> Result<Embedding> {
        let t = self.preprocess(input)?;
        let mut rows = self.finish(self.run_chunk(std::slice::from_ref(&t))?)?;
        rows.pop().ok_or_else(|| Error::Inference {
            detail: "the model returned no feature row".to_string(),
        })
    }

    fn embed_batch(&self, inputs: &[ImageInput<'_>]) -> Result<Vec<Embedding>> {
        let chunks: Vec<&[ImageInput<'_>]> = inputs.chunks(self.batch_size()).collect();
        let mut out = Vec::with_capacity(inputs.len());
        let Some(first) = chunks.first() else {
            return Ok(out);
        };
        let mut pending = self.preprocess_chunk(first)?;
        for i in 0..chunks.len() {
            // Decode + preprocess chunk i+1 on the rayon pool while ONNX
            // Runtime runs chunk i on its own threads.
            let (rows, next) = rayon::join(
                || self.run_chunk(&pending),
                || chunks.get(i + 1).map(|c| self.preprocess_chunk(c)),
            );
            out.extend(self.finish(rows?)?);
            match next {
                Some(n) => pending = n?,
                None => break,
            }
        }
        Ok(out)
    }
}

/// Checks a model input against the profile; returns the fixed batch size, if any.
fn check_input(input: &TensorInfo, profile: &ImageProfile) -> Result<Option<usize>> {
    let s = &input.shape;
    let bad = |why: String| Error::InvalidModelSpec {
        detail: format!("input `{}` has shape {s:?}: {why}", input.name),
    };
    if !input.is_f32 {
        return Err(bad("it is not a float32 tensor".to_string()));
    }
    if s.len() != 4 {
        return Err(bad(
            "an image model takes [batch, 3, height, width] or [batch, height, width, 3]"
                .to_string(),
        ));
    }
    let (c, h, w, other_c) = match profile.layout {
        TensorLayout::Nchw => (s[1], s[2], s[3], s[3]),
        TensorLayout::Nhwc => (s[3], s[1], s[2], s[1]),
    };
    if c > 0 && c != 3 {
        let hint = if other_c == 3 {
            format!(
                "the profile says {:?} but the channels are where the other layout puts them; \
                 use a profile with the other layout",
                profile.layout
            )
        } else {
            format!(
                "the profile's {:?} layout finds {c} channels, not 3",
                profile.layout
            )
        };
        return Err(bad(hint));
    }
    let size_ok = |dim: i64, want: u32| dim <= 0 || dim == i64::from(want);
    if !size_ok(h, profile.height) || !size_ok(w, profile.width) {
        return Err(bad(format!(
            "the profile makes {}x{} images; set the profile's width and height to the model's",
            profile.width, profile.height
        )));
    }
    Ok((s[0] > 0).then_some(s[0] as usize))
}
