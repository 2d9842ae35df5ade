use std::collections::BTreeMap;

use crate::features::{FbankOptions, FeatureNormalization, Ge2eMelOptions};
use crate::{Error, Result};

/// The front end a speaker model expects.
#[derive(Debug, Clone, PartialEq)]
pub enum FrontEnd {
    /// Kaldi fbank with the model family's options (CAM++, ERes2Net, WeSpeaker, ...).
    Fbank(FbankOptions),
    /// Resemblyzer's 40-bin mel spectrogram in 160-frame partial windows.
    Ge2e(Ge2eMelOptions),
}

/// Everything voiceprint needs to know about a speaker model beyond its ONNX file.
///
/// Get one from a preset ([`ModelSpec::preset`]), from sherpa-onnx style ONNX
/// metadata ([`ModelSpec::from_metadata`]), or build it by hand.
///
/// ```
/// use voiceprint_core::embed::ModelSpec;
/// let spec = ModelSpec::preset("campplus").unwrap();
/// assert_eq!(spec.sample_rate(), 16000);
/// assert!(ModelSpec::preset("no-such-model").is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// Stable id of the model; stores are bound to it.
    pub model_id: String,
    /// The front end the model was trained with.
    pub front_end: FrontEnd,
    /// Input tensor name; `None` takes the session's first input.
    pub input_name: Option<String>,
    /// Output tensor name; `None` takes the session's first output.
    pub output_name: Option<String>,
    /// Expected output dimension; `None` reads it from the model.
    pub dim: Option<usize>,
    /// Cosine threshold used when a call gives none.
    pub default_threshold: f32,
    /// Shortest audio embedded, in seconds (default 0.5).
    pub min_seconds: f32,
    /// Fbank models: audio longer than this is embedded in windows of this
    /// length (half overlapping) whose embeddings are averaged.
    pub max_window_seconds: f32,
}

/// The output dimension a model turned out to have, checked against the one
/// its spec (speaker or image) expects, if any.
pub(crate) fn checked_dim(expected: Option<usize>, actual: usize) -> Result<usize> {
    match expected {
        Some(d) if d != actual => Err(Error::InvalidModelSpec {
            detail: format!("spec says output dimension {d}, the model outputs {actual}"),
        }),
        _ => Ok(actual),
    }
}

/// Names accepted by [`ModelSpec::preset`].
pub const PRESETS: &[&str] = &[
    "ge2e-resemblyzer",
    "campplus",
    "eres2net",
    "wespeaker-resnet",
];

impl ModelSpec {
    /// A preset for a known model family.
    ///
    /// - `ge2e-resemblyzer`: Resemblyzer's GE2E LSTM (256-dim), as converted
    ///   by `scripts/convert_ge2e.py`.
    /// - `campplus`, `eres2net`: 3D-Speaker exports, input `[N, T, 80]`
    ///   fbank of samples in [-1, 1], povey window, mean-normalised over time.
    /// - `wespeaker-resnet`: WeSpeaker ResNet exports, hamming window,
    ///   samples scaled by 32768, mean-normalised over time.
    ///
    /// Thresholds are starting points; calibrate on your own data with
    /// [`crate::score::threshold_at_far`].
    pub fn preset(name: &str) -> Result<ModelSpec> {
        let fbank = |model_id: &str, opts: FbankOptions, threshold: f32| ModelSpec {
            model_id: model_id.to_string(),
            front_end: FrontEnd::Fbank(opts),
            input_name: None,
            output_name: None,
            dim: None,
            default_threshold: threshold,
            min_seconds: 0.5,
            max_window_seconds: 30.0,
        };
        match name {
            // On the LibriSpeech halves test (tests/librispeech_eer.rs) the
            // equal-error point is 0.72 (EER 3.6 %); 0.75 trades it for fewer
            // false accepts (FAR 1.5 %, FRR 4.4 %), as authentication wants.
            "ge2e-resemblyzer" => Ok(ModelSpec {
                model_id: "ge2e-resemblyzer".to_string(),
                front_end: FrontEnd::Ge2e(Ge2eMelOptions::default()),
                input_name: None,
                output_name: None,
                dim: Some(256),
                default_threshold: 0.75,
                min_seconds: 0.5,
                max_window_seconds: f32::INFINITY,
            }),
            // 0.31: the threshold of 3D-Speaker's own verification pipeline
            // (speakerlab/bin/infer_sv.py) for its CAM++/ERes2Net models.
            "campplus" => Ok(fbank("campplus", FbankOptions::three_d_speaker(), 0.31)),
            "eres2net" => Ok(fbank("eres2net", FbankOptions::three_d_speaker(), 0.31)),
            // WeSpeaker's ResNet34 cosine scores cross at about 0.4 on VoxCeleb1-O.
            "wespeaker-resnet" => Ok(fbank("wespeaker-resnet", FbankOptions::wespeaker(), 0.4)),
            _ => Err(Error::InvalidModelSpec {
                detail: format!(
                    "unknown preset {name:?}; known presets: {}",
                    PRESETS.join(", ")
                ),
            }),
        }
    }

    /// A spec from sherpa-onnx style ONNX metadata, or `None` when the model
    /// carries no such metadata (no `framework` key).
    ///
    /// Keys read: `framework` (`wespeaker` or `3d-speaker`), `sample_rate`,
    /// `output_dim`, `normalize_samples` (1: samples in [-1, 1]; 0: scaled by
    /// 32768), `feature_normalize_type` (`global-mean` or empty), and the
    /// optional `model_id`. Incomplete metadata is an error, never a guess.
    pub fn from_metadata(
        meta: &BTreeMap<String, String>,
        fallback_model_id: &str,
    ) -> Result<Option<ModelSpec>> {
        let Some(framework) = meta.get("framework") else {
            return Ok(None);
        };
        let need = |key: &str| {
            meta.get(key)
                .map(|v| v.trim())
                .ok_or_else(|| Error::InvalidModelSpec {
                    detail: format!(
                        "model metadata names framework `{framework}` but lacks `{key}` \
                         (sherpa-onnx convention needs framework, sample_rate, output_dim, \
                         normalize_samples, feature_normalize_type); add it or pass a preset"
                    ),
                })
        };
        let number = |key: &str| -> Result<u64> {
            let v = need(key)?;
            v.parse::<u64>().map_err(|_| Error::InvalidModelSpec {
                detail: format!("model metadata `{key}` = {v:?} is not a whole number"),
            })
        };
        let sample_rate =
            u32::try_from(number("sample_rate")?).map_err(|_| Error::InvalidModelSpec {
                detail: "model metadata `sample_rate` is out of range".to_string(),
            })?;
        let dim = usize::try_from(number("output_dim")?).unwrap_or(0);
        if dim == 0 {
            return Err(Error::InvalidModelSpec {
                detail: "model metadata `output_dim` must be positive".to_string(),
            });
        }
        let normalize_samples = number("normalize_samples")? != 0;
        let normalization = match need("feature_normalize_type")? {
            "global-mean" => FeatureNormalization::MeanOverTime,
            "" => FeatureNormalization::None,
            other => {
                return Err(Error::InvalidModelSpec {
                    detail: format!(
                        "model metadata `feature_normalize_type` = {other:?}; expected `global-mean` or empty"
                    ),
                })
            }
        };
        let (mut opts, threshold) = match framework.as_str() {
            "3d-speaker" => (FbankOptions::three_d_speaker(), 0.31),
            "wespeaker" => (FbankOptions::wespeaker(), 0.4),
            other => {
                return Err(Error::InvalidModelSpec {
                    detail: format!(
                    "model metadata `framework` = {other:?}; expected `wespeaker` or `3d-speaker`"
                ),
                })
            }
        };
        opts.sample_rate = sample_rate;
        opts.sample_scale = if normalize_samples { 1.0 } else { 32768.0 };
        opts.normalization = normalization;
        let model_id = meta
            .get("model_id")
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| format!("{framework}:{fallback_model_id}"));
        Ok(Some(ModelSpec {
            model_id,
            front_end: FrontEnd::Fbank(opts),
            input_name: None,
            output_name: None,
            dim: Some(dim),
            default_threshold: threshold,
            min_seconds: 0.5,
            max_window_seconds: 30.0,
        }))
    }

    /// The sample rate of the front end.
    pub fn sample_rate(&self) -> u32 {
        match &self.front_end {
            FrontEnd::Fbank(o) => o.sample_rate,
            FrontEnd::Ge2e(_) => 16_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_preset_resolves() {
        for name in PRESETS {
            let spec = ModelSpec::preset(name).unwrap();
            assert_eq!(spec.model_id, *name);
            assert_eq!(spec.sample_rate(), 16000);
        }
    }

    #[test]
    fn sherpa_metadata_sets_scale_and_normalisation() {
        let m = meta(&[
            ("framework", "wespeaker"),
            ("sample_rate", "16000"),
            ("output_dim", "256"),
            ("normalize_samples", "0"),
            ("feature_normalize_type", "global-mean"),
        ]);
        let spec = ModelSpec::from_metadata(&m, "resnet34").unwrap().unwrap();
        assert_eq!(spec.dim, Some(256));
        assert_eq!(spec.model_id, "wespeaker:resnet34");
        let FrontEnd::Fbank(o) = &spec.front_end else {
            panic!("fbank expected")
        };
        assert_eq!(o.sample_scale, 32768.0);
        assert_eq!(o.normalization, FeatureNormalization::MeanOverTime);
    }

    #[test]
    fn no_framework_means_no_metadata_spec() {
        assert!(ModelSpec::from_metadata(&meta(&[("comment", "x")]), "m")
            .unwrap()
            .is_none());
    }

    #[test]
    fn incomplete_or_bad_metadata_is_an_error() {
        let cases = [
            meta(&[("framework", "3d-speaker"), ("output_dim", "192")]),
            meta(&[
                ("framework", "3d-speaker"),
                ("sample_rate", "sixteen"),
                ("output_dim", "192"),
                ("normalize_samples", "1"),
                ("feature_normalize_type", "global-mean"),
            ]),
            meta(&[
                ("framework", "kaldi"),
                ("sample_rate", "16000"),
                ("output_dim", "192"),
                ("normalize_samples", "1"),
                ("feature_normalize_type", "global-mean"),
            ]),
            meta(&[
                ("framework", "3d-speaker"),
                ("sample_rate", "16000"),
                ("output_dim", "0"),
                ("normalize_samples", "1"),
                ("feature_normalize_type", ""),
            ]),
        ];
        for m in cases {
            let err = ModelSpec::from_metadata(&m, "x").unwrap_err();
            assert!(matches!(err, Error::InvalidModelSpec { .. }), "{err}");
        }
    }
}
