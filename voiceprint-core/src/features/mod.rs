//! Front ends: pure functions from samples to the features a model takes.
//!
//! - [`Fbank`]: Kaldi-compatible log mel filterbank, the front end of
//!   3D-Speaker (CAM++, ERes2Net), WeSpeaker and sherpa-onnx speaker models;
//!   equal to kaldi-native-fbank and `torchaudio.compliance.kaldi.fbank`.
//! - [`Ge2eMel`]: Resemblyzer's GE2E front end (volume normalisation, linear
//!   librosa mel power), with [`ge2e_partial_slices`] to cut an utterance
//!   into the partial utterances the encoder averages.
//! - [`preprocess_image`]: decoded RGB to an image model's input tensor
//!   (resize, centre crop, mean / std, NCHW or NHWC) as an [`ImageProfile`]
//!   says: Keras MobileNetV2, torchvision and CLIP presets, or your own.
//! - [`PitchTracker`], [`pitch_track`], [`median_f0`]: fundamental frequency
//!   by YIN (de Cheveigné & Kawahara 2002), the model-independent second
//!   opinion on a speaker's gender.
//!
//! Both return [`Features`], a row-major `[frames, bins]` matrix, and are
//! checked against golden outputs of the Python references
//! (`scripts/gen_feature_golden.py`, `tests/features_golden.rs`).
//!
//! ```
//! use voiceprint_core::features::{Fbank, FbankOptions};
//!
//! let fbank = Fbank::new(FbankOptions::wespeaker())?;
//! let feats = fbank.compute(&vec![0.0f32; 8_000])?;
//! assert_eq!(feats.dim(), 80);
//! # Ok::<(), voiceprint_core::Error>(())
//! ```

mod fbank;
mod fbank_options;
mod framing;
mod ge2e;
mod ge2e_partials;
mod image_preprocess;
mod image_profile;
mod matrix;
mod mel;
mod pitch;
mod pitch_options;
mod window;

pub use fbank::{Fbank, LOG_FLOOR};
pub use fbank_options::{FbankOptions, FeatureNormalization};
pub use ge2e::{ge2e_volume_gain, Ge2eMel, Ge2eMelOptions};
pub use ge2e_partials::{
    ge2e_partial_slices, GE2E_MIN_COVERAGE, GE2E_PARTIAL_FRAMES, GE2E_PARTIAL_RATE,
};
pub use image_preprocess::{preprocess_image, ImageTensor};
pub use image_profile::{
    ChannelOrder, ImageProfile, ResizeFilter, ResizeMode, TensorLayout, IMAGE_PROFILES,
};
pub use matrix::Features;
pub use mel::{kaldi_mel_scale, slaney_hz_to_mel, slaney_mel_to_hz, MelBank, MAX_FFT_LEN};
pub use pitch::{median_f0, pitch_track, PitchFrame, PitchTracker};
pub use pitch_options::PitchOptions;
pub use window::{periodic_hann, WindowType};
