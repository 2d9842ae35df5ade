use std::path::Path;

use super::{join_speech, speech_segments, SpeechSegment, VadOptions};
use crate::audio::Audio;
use crate::runtime::{InputTensor, Model, RuntimeConfig};
use crate::{Error, Result};

/// Silero VAD works on 16 kHz audio in 512-sample frames, each preceded by
/// the last 64 samples of the previous frame (silero_vad/utils_vad.py,
/// `OnnxWrapper.__call__`), with a recurrent state of shape [2, 1, 128].
const SAMPLE_RATE: u32 = 16_000;
const FRAME: usize = 512;
const CONTEXT: usize = 64;
const STATE_LEN: usize = 2 * 128;

/// Silero VAD (the `silero_vad.onnx` of the `silero-vad` PyPI package,
/// MIT licence, put in `models/` by `scripts/setup.sh`).
///
/// `Send + Sync`; each call keeps its own recurrent state, so threads can
/// share one instance.
///
/// ```no_run
/// use voiceprint_core::{audio::{Audio, DecodeOptions}, runtime::RuntimeConfig, vad::{SileroVad, VadOptions}};
/// let vad = SileroVad::load("models/silero_vad.onnx", &RuntimeConfig::default())?;
/// let audio = Audio::from_path("meeting.wav", &DecodeOptions::default())?;
/// for seg in vad.speech(&audio, &VadOptions::default())? {
///     println!("speech {:.2}-{:.2} s", seg.start as f32 / 16000.0, seg.end as f32 / 16000.0);
/// }
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
#[derive(Debug)]
pub struct SileroVad {
    model: Model,
}

impl SileroVad {
    /// Loads the model and checks it has Silero's inputs and outputs.
    ///
    /// The session runs on one intra-op thread whatever `runtime` says:
    /// a 576-sample frame is too little work to split, and ONNX Runtime's
    /// thread hand-off made the VAD 2.4 times slower with two threads
    /// (5.7 against 2.4 ms per second of audio).
    pub fn load(path: impl AsRef<Path>, runtime: &RuntimeConfig) -> Result<Self> {
        let runtime = RuntimeConfig {
            intra_op_threads: 1,
            ..runtime.clone()
        };
        let model = Model::load(path.as_ref(), &runtime)?;
        for name in ["input", "state", "sr"] {
            model.input(Some(name))?;
        }
        for name in ["output", "stateN"] {
            model.output(Some(name))?;
        }
        Ok(SileroVad { model })
    }

    /// Speech probability of each 32 ms frame of `audio` (resampled to 16 kHz).
    pub fn probabilities(&self, audio: &Audio) -> Result<Vec<f32>> {
        self.probabilities_16k(audio.resample(SAMPLE_RATE)?.samples())
    }

    fn probabilities_16k(&self, samples: &[f32]) -> Result<Vec<f32>> {
        let mut state = vec![0.0f32; STATE_LEN];
        let mut window = vec![0.0f32; CONTEXT + FRAME];
        let mut probs = Vec::with_capacity(samples.len().div_ceil(FRAME));
        let sr = [i64::from(SAMPLE_RATE)];
        for chunk in samples.chunks(FRAME) {
            // window = last CONTEXT samples of the previous window + this frame (zero-padded).
            window.copy_within(FRAME.., 0);
            window[CONTEXT..CONTEXT + chunk.len()].copy_from_slice(chunk);
            window[CONTEXT + chunk.len()..].fill(0.0);
            let out = self.model.run(
                &[
                    (
                        "input",
                        InputTensor::F32 {
                            shape: &[1, CONTEXT + FRAME],
                            data: &window,
                        },
                    ),
                    (
                        "state",
                        InputTensor::F32 {
                            shape: &[2, 1, 128],
                            data: &state,
                        },
                    ),
                    (
                        "sr",
                        InputTensor::I64 {
                            shape: &[],
                            data: &sr,
                        },
                    ),
                ],
                &["output", "stateN"],
            )?;
            let [(_, p), (_, new_state)] =
                <[_; 2]>::try_from(out).map_err(|_| Error::Inference {
                    detail: "Silero VAD returned an unexpected number of outputs".to_string(),
                })?;
            if new_state.len() != STATE_LEN || p.is_empty() {
                return Err(Error::Inference {
                    detail: format!(
                        "Silero VAD output sizes {} / {} unexpected",
                        p.len(),
                        new_state.len()
                    ),
                });
            }
            state.copy_from_slice(&new_state);
            probs.push(p[0]);
        }
        Ok(probs)
    }

    /// Speech segments of `audio`, in samples at 16 kHz.
    pub fn speech(&self, audio: &Audio, opts: &VadOptions) -> Result<Vec<SpeechSegment>> {
        let probs = self.probabilities(audio)?;
        let n = (audio.duration_secs() * SAMPLE_RATE as f32).round() as usize;
        Ok(speech_segments(&probs, FRAME, SAMPLE_RATE, n, opts))
    }

    /// The speech of `audio` only, at 16 kHz: the segments `opts` finds,
    /// joined with `opts.crossfade_ms` crossfades ([`join_speech`]); errors
    /// with [`Error::AudioTooShort`] when there is less than `min_seconds`
    /// of it.
    pub fn keep_speech(&self, audio: &Audio, opts: &VadOptions, min_seconds: f32) -> Result<Audio> {
        let audio16 = audio.resample(SAMPLE_RATE)?;
        let samples = audio16.samples();
        let probs = self.probabilities_16k(samples)?;
        let segs: Vec<SpeechSegment> =
            speech_segments(&probs, FRAME, SAMPLE_RATE, samples.len(), opts)
                .into_iter()
                .map(|s| trim_digital_silence(samples, s))
                .filter(|s| !s.is_empty())
                .collect();
        let crossfade = SAMPLE_RATE as usize * opts.crossfade_ms as usize / 1000;
        let out = join_speech(samples, &segs, crossfade);
        let seconds = out.len() as f32 / SAMPLE_RATE as f32;
        if seconds < min_seconds {
            return Err(Error::AudioTooShort {
                seconds,
                minimum: min_seconds,
            });
        }
        Audio::from_mono(out, SAMPLE_RATE)
    }
}

/// Below this RMS (about -70 dBFS) a 10 ms frame is digital silence, not
/// room tone: no recording's noise floor is that low.
const DIGITAL_SILENCE_RMS: f32 = 3e-4;
/// 10 ms at 16 kHz.
const TRIM_FRAME: usize = 160;

/// A segment without the digital silence at its edges. The padding around
/// Silero's segments recovers soft onsets and decays; where the audio
/// around the speech is digital zeros (a padded upload, a gated stem) it
/// would instead hand the speaker model silence the speech never had, and
/// GE2E's voiceprint moves with silence at the ends.
fn trim_digital_silence(samples: &[f32], seg: SpeechSegment) -> SpeechSegment {
    let end_limit = seg.end.min(samples.len());
    let silent = |range: std::ops::Range<usize>| {
        let frame = &samples[range];
        frame.is_empty()
            || (frame.iter().map(|x| x * x).sum::<f32>() / frame.len() as f32).sqrt()
                < DIGITAL_SILENCE_RMS
    };
    let mut start = seg.start.min(end_limit);
    while start + TRIM_FRAME <= end_limit && silent(start..start + TRIM_FRAME) {
        start += TRIM_FRAME;
    }
    let mut end = end_limit;
    while end >= start + TRIM_FRAME && silent(end - TRIM_FRAME..end) {
        end -= TRIM_FRAME;
    }
    SpeechSegment { start, end }
}
