use crate::features::ImageProfile;
use crate::{Error, Result};

/// Everything voiceprint needs to know about an image model beyond its ONNX file.
///
/// ```
/// use voiceprint_core::embed::ImageModelSpec;
/// let spec = ImageModelSpec::new("mobilenetv2-keras", "keras-mobilenetv2")?
///     .with_output("global_average_pooling2d");
/// assert_eq!(spec.profile.width, 224);
/// assert!(spec.normalize);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImageModelSpec {
    /// Stable id of the model; stores are bound to it.
    pub model_id: String,
    /// Preprocessing the model was trained with.
    pub profile: ImageProfile,
    /// Input tensor name; `None` takes the session's first input.
    pub input_name: Option<String>,
    /// Output tensor to use as the feature vector: the pooled feature layer,
    /// not the classifier's logits. `None` takes the session's first output.
    pub output_name: Option<String>,
    /// L2-normalise the vectors (cosine scores). Default true.
    pub normalize: bool,
    /// Expected output dimension; `None` reads it from the model.
    pub dim: Option<usize>,
    /// Most images in one model run (for models with a dynamic batch axis). Default 16.
    pub max_batch: usize,
}

/// Most images one run may take; beyond it a typo, not a batch.
const MAX_BATCH_LIMIT: usize = 1024;

impl ImageModelSpec {
    /// A spec with a named [`ImageProfile`] preset and the defaults.
    pub fn new(model_id: impl Into<String>, profile: &str) -> Result<Self> {
        Ok(Self::with_profile(model_id, ImageProfile::preset(profile)?))
    }

    /// A spec for the model file at `path` with a named profile: the model id
    /// is the file's stem (`mobilenetv2.onnx` gives `mobilenetv2`), as
    /// [`OnnxImageEncoder::from_profile`](super::OnnxImageEncoder::from_profile) uses.
    pub fn for_model(path: impl AsRef<std::path::Path>, profile: &str) -> Result<Self> {
        Self::new(model_id_of(path.as_ref()), profile)
    }

    /// A spec with a hand-made profile and the defaults.
    pub fn with_profile(model_id: impl Into<String>, profile: ImageProfile) -> Self {
        ImageModelSpec {
            model_id: model_id.into(),
            profile,
            input_name: None,
            output_name: None,
            normalize: true,
            dim: None,
            max_batch: 16,
        }
    }

    /// The same spec reading the named output.
    pub fn with_output(mut self, name: impl Into<String>) -> Self {
        self.output_name = Some(name.into());
        self
    }

    /// Checks the profile and the batch size.
    pub fn validate(&self) -> Result<()> {
        self.profile.validate()?;
        if self.model_id.trim().is_empty() {
            return Err(Error::InvalidModelSpec {
                detail: "model_id is empty".to_string(),
            });
        }
        if !(1..=MAX_BATCH_LIMIT).contains(&self.max_batch) {
            return Err(Error::InvalidModelSpec {
                detail: format!(
                    "max_batch {} is outside 1..={MAX_BATCH_LIMIT}",
                    self.max_batch
                ),
            });
        }
        Ok(())
    }
}

/// The default model id of a model file: its stem.
pub fn model_id_of(path: &std::path::Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("image-model")
        .to_string()
}
