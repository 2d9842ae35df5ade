use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{AudioInput, Embedding, FrontEnd, ModelSpec, SpeakerEncoder};
use crate::audio::{Audio, DecodeOptions};
use crate::features::{
    Fbank, FeatureNormalization, Features, Ge2eMel, GE2E_MIN_COVERAGE, GE2E_PARTIAL_RATE,
};
use crate::runtime::{Model, RuntimeConfig};
use crate::{Error, Result};

/// Most windows (GE2E partials, fbank chunks) sent to the model in one run; bounds memory
/// for very long audio while keeping batches large enough to be efficient.
const MAX_BATCH: usize = 64;

enum Front {
    Fbank(Fbank),
    Ge2e(Ge2eMel),
}

/// A speaker encoder running any ONNX speaker model described by a [`ModelSpec`].
///
/// `Send + Sync`: share one instance (e.g. in an `Arc`) between threads.
///
/// ```no_run
/// use voiceprint_core::embed::{OnnxSpeakerEncoder, SpeakerEncoder};
/// use voiceprint_core::runtime::RuntimeConfig;
/// let enc = OnnxSpeakerEncoder::from_preset("models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer",
///                                           &RuntimeConfig::default())?;
/// let a = enc.embed("alice-1.wav")?;
/// let b = enc.embed("alice-2.flac")?;
/// println!("same speaker score: {:.3}", a.similarity(&b)?);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub struct OnnxSpeakerEncoder {
    model: Model,
    spec: ModelSpec,
    model_id: Arc<str>,
    input: String,
    output: String,
    dim: usize,
    front: Front,
    decode: DecodeOptions,
}

impl std::fmt::Debug for OnnxSpeakerEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxSpeakerEncoder")
            .field("model_id", &self.model_id)
            .field("dim", &self.dim)
            .field("input", &self.input)
            .field("output", &self.output)
            .finish()
    }
}

impl OnnxSpeakerEncoder {
    /// Loads a model with a named preset (see [`ModelSpec::preset`]).
    pub fn from_preset(
        path: impl AsRef<Path>,
        preset: &str,
        runtime: &RuntimeConfig,
    ) -> Result<Self> {
        Self::load(path, Some(ModelSpec::preset(preset)?), runtime)
    }

    /// Loads a model. With `spec = None` the spec is read from the model's
    /// sherpa-onnx style metadata, and a model without it is refused.
    pub fn load(
        path: impl AsRef<Path>,
        spec: Option<ModelSpec>,
        runtime: &RuntimeConfig,
    ) -> Result<Self> {
        let path = path.as_ref();
        let model = Model::load(path, runtime)?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("model")
            .to_string();
        let spec = match spec {
            Some(s) => s,
            None => ModelSpec::from_metadata(model.metadata(), &stem)?.ok_or_else(|| {
                Error::InvalidModelSpec {
                    detail: format!(
                        "{} has no speaker-model metadata (framework, sample_rate, ...); \
                         pass a preset ({}) or a ModelSpec",
                        path.display(),
                        super::PRESETS.join(", ")
                    ),
                }
            })?,
        };
        let input = model.input(spec.input_name.as_deref())?.clone();
        let output = model.output(spec.output_name.as_deref())?.clone();
        let front = match &spec.front_end {
            FrontEnd::Fbank(o) => Front::Fbank(Fbank::new(o.clone())?),
            FrontEnd::Ge2e(o) => Front::Ge2e(Ge2eMel::new(o.clone())?),
        };
        let feat_dim = match &front {
            Front::Fbank(f) => f.options().num_mel_bins,
            Front::Ge2e(g) => g.options().n_mels,
        };
        if input.shape.len() != 3 {
            return Err(Error::InvalidModelSpec {
                detail: format!(
                    "input `{}` has shape {:?}; a speaker model takes [batch, frames, {feat_dim}]",
                    input.name, input.shape
                ),
            });
        }
        if input.shape[2] > 0 && input.shape[2] as usize != feat_dim {
            return Err(Error::InvalidModelSpec {
                detail: format!(
                    "input `{}` takes {} features per frame but the front end makes {feat_dim}",
                    input.name, input.shape[2]
                ),
            });
        }
        let mut enc = OnnxSpeakerEncoder {
            model,
            model_id: Arc::from(spec.model_id.as_str()),
            input: input.name,
            output: output.name.clone(),
            dim: 0,
            front,
            spec,
            decode: DecodeOptions::default(),
        };
        let static_dim = output
            .shape
            .last()
            .copied()
            .filter(|&d| d > 0 && output.shape.len() == 2)
            .map(|d| d as usize);
        // A model with a dynamic output dimension is probed once with 2 s of
        // silence, so the dimension is known before any store is bound to it.
        let actual = match static_dim {
            Some(d) => d,
            None => enc
                .run_features(&[enc.front_features(&vec![0.0; 2 * enc.sample_rate() as usize])?])?
                .first()
                .map(Vec::len)
                .unwrap_or(0),
        };
        enc.dim = super::spec::checked_dim(enc.spec.dim, actual)?;
        Ok(enc)
    }

    /// The spec the encoder runs with.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The underlying ONNX model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Limits applied when this encoder decodes files and buffers.
    pub fn set_decode_options(&mut self, opts: DecodeOptions) {
        self.decode = opts;
    }

    /// Decodes any [`AudioInput`] and embeds it.
    pub fn embed<'a>(&self, input: impl Into<AudioInput<'a>>) -> Result<Embedding> {
        let input = input.into();
        let audio = input.decode(&self.decode)?;
        self.embed_audio(&audio)
    }

    /// Decodes and embeds several inputs; front ends run in parallel.
    pub fn embed_batch(&self, inputs: &[AudioInput<'_>]) -> Result<Vec<Embedding>> {
        let audios = inputs
            .par_iter()
            .map(|i| i.decode(&self.decode).map(|a| a.into_owned()))
            .collect::<Result<Vec<_>>>()?;
        self.embed_audio_batch(&audios)
    }

    /// Resamples to the model's rate and checks the minimum length.
    fn prepare(&self, audio: &Audio) -> Result<Audio> {
        let audio = audio.resample(self.sample_rate())?;
        audio.check_duration(self.spec.min_seconds, f32::INFINITY)?;
        Ok(audio)
    }

    /// Whole-utterance features (before per-window normalisation).
    fn front_features(&self, samples: &[f32]) -> Result<Features> {
        match &self.front {
            Front::Fbank(f) => f.compute(samples),
            Front::Ge2e(g) => g.compute(samples),
        }
    }

    /// The model inputs of one utterance: windows of features, each a
    /// `[frames, dim]` matrix the model sees as one batch item.
    fn windows(&self, samples: &[f32]) -> Result<Vec<Features>> {
        match &self.front {
            Front::Fbank(f) => {
                let feats = f.compute(samples)?;
                let shift = f.options().frame_shift_ms / 1000.0;
                let max_frames = ((self.spec.max_window_seconds / shift) as usize).max(1);
                let mut out: Vec<Features> = window_ranges(feats.num_frames(), max_frames)
                    .into_iter()
                    .map(|r| feats.slice_frames(r))
                    .collect();
                // `compute` normalised over the whole utterance; a model that
                // sees windows was trained on each window normalised by itself.
                if out.len() > 1 && f.options().normalization == FeatureNormalization::MeanOverTime
                {
                    out.iter_mut().for_each(Features::subtract_mean);
                }
                Ok(out)
            }
            // Resemblyzer's embed_utterance: volume-normalise, pad so the last
            // 160-frame partial window is full, slice the mel spectrogram.
            Front::Ge2e(g) => g.compute_partials(samples, GE2E_PARTIAL_RATE, GE2E_MIN_COVERAGE),
        }
    }

    /// Runs windows through the model, grouping equal-length windows into
    /// batches; returns one raw output row per window, in order.
    fn run_features(&self, windows: &[Features]) -> Result<Vec<Vec<f32>>> {
        let mut out = vec![Vec::new(); windows.len()];
        let mut i = 0;
        while i < windows.len() {
            let frames = windows[i].num_frames();
            let feat_dim = windows[i].dim();
            let mut j = i + 1;
            while j < windows.len() && j - i < MAX_BATCH && windows[j].num_frames() == frames {
                j += 1;
            }
            let mut data = Vec::with_capacity((j - i) * frames * feat_dim);
            for w in &windows[i..j] {
                data.extend_from_slice(w.as_slice());
            }
            let (shape, values) =
                self.model
                    .run_f32(&self.input, &[j - i, frames, feat_dim], &data, &self.output)?;
            let rows = shape.first().copied().unwrap_or(0);
            if rows != j - i || shape.len() != 2 || values.len() != rows * shape[1] {
                return Err(Error::Inference {
                    detail: format!(
                        "model output has shape {shape:?}; expected [{}, dim]",
                        j - i
                    ),
                });
            }
            for (k, row) in values.chunks_exact(shape[1]).enumerate() {
                out[i + k] = row.to_vec();
            }
            i = j;
        }
        Ok(out)
    }

    /// Averages window outputs the way the model family does: each output
    /// is made unit length, then the mean is renormalised.
    fn pool(&self, rows: &[Vec<f32>]) -> Result<Embedding> {
        if rows.len() == 1 {
            return Embedding::from_raw(rows[0].clone(), self.model_id.clone());
        }
        let mut units = Vec::with_capacity(rows.len());
        for r in rows {
            let mut v = r.clone();
            crate::score::l2_normalize(&mut v)?;
            units.push(v);
        }
        let items: Vec<(&[f32], f32)> = units.iter().map(|v| (v.as_slice(), 1.0)).collect();
        Embedding::mean(&items, self.model_id.clone())
    }
}

/// Frame ranges covering `n` frames in windows of at most `max` frames,
/// half overlapping, the last one ending at `n`.
fn window_ranges(n: usize, max: usize) -> Vec<std::ops::Range<usize>> {
    if n <= max {
        return std::iter::once(0..n).collect();
    }
    let hop = (max / 2).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start + max < n {
        out.push(start..start + max);
        start += hop;
    }
    out.push(n - max..n);
    out
}

impl SpeakerEncoder for OnnxSpeakerEncoder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn sample_rate(&self) -> u32 {
        self.spec.sample_rate()
    }

    fn default_threshold(&self) -> f32 {
        self.spec.default_threshold
    }

    fn min_seconds(&self) -> f32 {
        self.spec.min_seconds
    }

    fn embed_audio(&self, audio: &Audio) -> Result<Embedding> {
        let audio = self.prepare(audio)?;
        let windows = self.windows(audio.samples())?;
        let rows = self.run_features(&windows)?;
        self.pool(&rows)
    }

    fn embed_audio_batch(&self, audios: &[Audio]) -> Result<Vec<Embedding>> {
        // Front ends in parallel; the model then sees all windows together so
        // equal-length windows (all GE2E partials) share batched runs.
        let per_utt = audios
            .par_iter()
            .map(|a| self.prepare(a).and_then(|a| self.windows(a.samples())))
            .collect::<Result<Vec<_>>>()?;
        let counts: Vec<usize> = per_utt.iter().map(Vec::len).collect();
        let all: Vec<Features> = per_utt.into_iter().flatten().collect();
        let rows = self.run_features(&all)?;
        let mut out = Vec::with_capacity(audios.len());
        let mut at = 0;
        for c in counts {
            out.push(self.pool(&rows[at..at + c])?);
            at += c;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_ranges_cover_everything_with_bounded_windows() {
        assert_eq!(window_ranges(10, 20), vec![0..10]);
        let w = window_ranges(100, 30);
        assert_eq!(w.first().unwrap().start, 0);
        assert_eq!(w.last().unwrap().end, 100);
        assert!(w.iter().all(|r| r.len() == 30));
        for pair in w.windows(2) {
            assert!(pair[1].start <= pair[0].end, "gap between {pair:?}");
        }
    }
}
