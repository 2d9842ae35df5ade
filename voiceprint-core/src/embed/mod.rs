//! Extractors: audio (or images) in, one L2-normalised fixed-dimension
//! vector out, tagged with the id of the model that made it.

mod embedding;
mod image_encoder;
mod image_spec;
mod input;
mod speaker;
mod spec;

pub use embedding::Embedding;
pub use image_encoder::OnnxImageEncoder;
pub use image_spec::{model_id_of, ImageModelSpec};
pub use input::AudioInput;
pub use speaker::OnnxSpeakerEncoder;
pub use spec::{FrontEnd, ModelSpec, PRESETS};

use crate::audio::Audio;
use crate::features::ImageProfile;
use crate::image::ImageInput;
use crate::Result;

/// A speaker-embedding model: audio in, a unit-length voiceprint out.
///
/// Implementations are `Send + Sync` and can be shared by threads. Audio of
/// any sample rate is accepted and resampled to [`sample_rate`](Self::sample_rate).
pub trait SpeakerEncoder: Send + Sync {
    /// Id of the model; stores bind to it and refuse vectors of another.
    fn model_id(&self) -> &str;
    /// Length of the vectors it makes.
    fn dim(&self) -> usize;
    /// The rate the model's front end works at.
    fn sample_rate(&self) -> u32;
    /// Cosine threshold for accept/reject when the caller gives none.
    fn default_threshold(&self) -> f32;
    /// Shortest audio that is embedded, in seconds.
    fn min_seconds(&self) -> f32;
    /// One voiceprint from one utterance.
    fn embed_audio(&self, audio: &Audio) -> Result<Embedding>;
    /// Voiceprints of several utterances; the same results as one call each.
    fn embed_audio_batch(&self, audios: &[Audio]) -> Result<Vec<Embedding>> {
        audios.iter().map(|a| self.embed_audio(a)).collect()
    }
}

/// An image-embedding model: an image in, a feature vector out.
///
/// Implementations are `Send + Sync` and can be shared by threads.
pub trait ImageEncoder: Send + Sync {
    /// Id of the model; stores bind to it and refuse vectors of another.
    fn model_id(&self) -> &str;
    /// Length of the vectors it makes.
    fn dim(&self) -> usize;
    /// The preprocessing it applies.
    fn profile(&self) -> &ImageProfile;
    /// The feature vector of one image.
    fn embed(&self, input: ImageInput<'_>) -> Result<Embedding>;
    /// Feature vectors of several images; the same results as one call each.
    fn embed_batch(&self, inputs: &[ImageInput<'_>]) -> Result<Vec<Embedding>> {
        inputs.iter().map(|i| self.embed(*i)).collect()
    }
}
