//! [`FbankOptions`]: Kaldi's fbank options and the presets of the toolkits
//! whose models the library runs.

use super::window::WindowType;

/// What to do with the features after they are computed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FeatureNormalization {
    /// Leave them as they are.
    #[default]
    None,
    /// Subtract each bin's mean over the utterance (cepstral mean
    /// normalisation without variance), see [`Features::subtract_mean`](super::Features::subtract_mean).
    MeanOverTime,
}

/// Options of the Kaldi-compatible fbank front end; field by field the
/// options of `compute-fbank-feats`, kaldi-native-fbank's `FbankOptions` and
/// `torchaudio.compliance.kaldi.fbank`.
///
/// Start from the preset of the toolkit that trained the model
/// ([`three_d_speaker`](Self::three_d_speaker), [`wespeaker`](Self::wespeaker),
/// [`sherpa_onnx`](Self::sherpa_onnx)) and change fields with struct update
/// syntax:
///
/// ```
/// use voiceprint_core::features::{FbankOptions, WindowType};
///
/// let opts = FbankOptions { num_mel_bins: 64, ..FbankOptions::wespeaker() };
/// assert_eq!(opts.window, WindowType::Hamming);
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FbankOptions {
    /// Sample rate of the input in Hz (`--sample-frequency`).
    pub sample_rate: u32,
    /// Number of triangular mel bins (`--num-mel-bins`), at least 3.
    pub num_mel_bins: usize,
    /// Frame length in ms (`--frame-length`, default 25).
    pub frame_length_ms: f32,
    /// Frame shift in ms (`--frame-shift`, default 10).
    pub frame_shift_ms: f32,
    /// Pre-emphasis coefficient in `[0, 1]` (`--preemphasis-coefficient`, 0.97).
    pub preemphasis: f32,
    /// Subtract each frame's mean before the window (`--remove-dc-offset`).
    pub remove_dc_offset: bool,
    /// Window function (`--window-type`).
    pub window: WindowType,
    /// Zero-pad frames to the next power of two before the FFT
    /// (`--round-to-power-of-two`, 400 samples -> 512).
    pub round_to_power_of_two: bool,
    /// Lower edge of the mel bank in Hz (`--low-freq`, 20).
    pub low_freq: f32,
    /// Upper edge of the mel bank in Hz (`--high-freq`); `<= 0` means that
    /// much below Nyquist (0 is Nyquist, -400 is 7600 Hz at 16 kHz).
    pub high_freq: f32,
    /// Kaldi's `--snip-edges`: `true` keeps only frames that fit in the
    /// signal; `false` mirrors the signal at its ends and gives
    /// `round(samples / shift)` frames.
    pub snip_edges: bool,
    /// Factor applied to the samples first: 1.0 for samples in `[-1, 1]`
    /// (torchaudio, 3D-Speaker), 32768.0 for models trained on int16-range
    /// samples (WeSpeaker, Kaldi). It shifts every log-mel value by
    /// `2 ln(scale)` and changes the flooring, so it must match training.
    pub sample_scale: f32,
    /// Prepend the log energy of each frame (after DC removal, before
    /// pre-emphasis and window: Kaldi's `--raw-energy=true`,
    /// `--energy-floor=0`) as column 0 (`--use-energy`). Speaker models use false.
    pub use_energy: bool,
    /// Normalisation applied after the features are computed.
    pub normalization: FeatureNormalization,
    /// Kaldi's `--dither`. Only 0.0 is accepted: the inference recipes of
    /// 3D-Speaker, WeSpeaker and sherpa-onnx all run without dither, and a
    /// front end that adds noise would make voiceprints non-reproducible.
    pub dither: f32,
}

impl FbankOptions {
    /// CAM++ / ERes2Net as 3D-Speaker runs them (speakerlab
    /// `process/processor.py` `FBank(80, 16000, mean_nor=True)` ->
    /// `torchaudio.compliance.kaldi.fbank` with its defaults, dither 0):
    /// 80 bins, 25/10 ms, povey window, 20 Hz to Nyquist, `snip_edges`
    /// true, samples in `[-1, 1]`, mean over time subtracted.
    pub fn three_d_speaker() -> Self {
        Self {
            sample_rate: 16_000,
            num_mel_bins: 80,
            frame_length_ms: 25.0,
            frame_shift_ms: 10.0,
            preemphasis: 0.97,
            remove_dc_offset: true,
            window: WindowType::Povey,
            round_to_power_of_two: true,
            low_freq: 20.0,
            high_freq: 0.0,
            snip_edges: true,
            sample_scale: 1.0,
            use_energy: false,
            normalization: FeatureNormalization::MeanOverTime,
            dither: 0.0,
        }
    }

    /// WeSpeaker ResNet / ECAPA as WeSpeaker runs them
    /// (`wespeaker/cli/speaker.py` `compute_fbank`: samples `* (1 << 15)`,
    /// `kaldi.fbank(num_mel_bins=80, frame_length=25, frame_shift=10,
    /// dither=0, window_type="hamming")`, then `feats - mean(feats, 0)`).
    pub fn wespeaker() -> Self {
        Self {
            window: WindowType::Hamming,
            sample_scale: 32768.0,
            ..Self::three_d_speaker()
        }
    }

    /// Speaker models as sherpa-onnx runs them
    /// (`sherpa-onnx/csrc/features.h` `FeatureExtractorConfig` defaults via
    /// `SpeakerEmbeddingExtractorGeneralImpl`): 80 bins, povey, 20 Hz to
    /// Nyquist - 400 Hz, `snip_edges` false, no dither, then the mean over
    /// time subtracted (the `feature_normalize_type = "global-mean"` of the
    /// 3D-Speaker and WeSpeaker exports).
    ///
    /// The scale depends on the model's `normalize_samples` metadata: this
    /// preset has sherpa-onnx's default `normalize_samples = 1`
    /// (`sample_scale` 1.0, the 3D-Speaker exports); set `sample_scale` to
    /// 32768.0 for models whose metadata says `normalize_samples = 0`
    /// (the WeSpeaker exports).
    pub fn sherpa_onnx() -> Self {
        Self {
            high_freq: -400.0,
            snip_edges: false,
            ..Self::three_d_speaker()
        }
    }

    /// Samples per frame, as Kaldi's `WindowSize()` computes it (`f32`
    /// product, truncated).
    pub fn window_size(&self) -> usize {
        ms_to_samples(self.sample_rate, self.frame_length_ms)
    }

    /// Samples between frames, as Kaldi's `WindowShift()`.
    pub fn window_shift(&self) -> usize {
        ms_to_samples(self.sample_rate, self.frame_shift_ms)
    }

    /// FFT length: the window size, rounded up to a power of two when
    /// `round_to_power_of_two` is set.
    pub fn padded_window_size(&self) -> usize {
        let size = self.window_size();
        if self.round_to_power_of_two {
            size.checked_next_power_of_two().unwrap_or(size)
        } else {
            size
        }
    }

    /// Columns of the output: the mel bins plus one for the energy.
    pub fn dim(&self) -> usize {
        self.num_mel_bins + usize::from(self.use_energy)
    }
}

impl Default for FbankOptions {
    /// [`FbankOptions::three_d_speaker`], the most common front end.
    fn default() -> Self {
        Self::three_d_speaker()
    }
}

/// `static_cast<int32_t>(samp_freq * 0.001f * ms)` (kaldi-native-fbank
/// `FrameExtractionOptions::WindowSize`), in `f32` so that sizes agree with
/// Kaldi's even where the product is not a whole number. Negative and NaN
/// give 0.
fn ms_to_samples(sample_rate: u32, ms: f32) -> usize {
    let samples = sample_rate as f32 * 0.001f32 * ms;
    if samples.is_finite() && samples >= 0.0 {
        samples as usize
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_differ_only_where_the_toolkits_differ() {
        let three = FbankOptions::three_d_speaker();
        assert_eq!(three.window_size(), 400);
        assert_eq!(three.window_shift(), 160);
        assert_eq!(three.padded_window_size(), 512);
        assert_eq!(three.dim(), 80);
        let we = FbankOptions::wespeaker();
        assert_eq!(
            we,
            FbankOptions {
                window: WindowType::Hamming,
                sample_scale: 32768.0,
                ..three.clone()
            }
        );
        let sherpa = FbankOptions::sherpa_onnx();
        assert_eq!(
            sherpa,
            FbankOptions {
                high_freq: -400.0,
                snip_edges: false,
                ..three.clone()
            }
        );
        assert_eq!(FbankOptions::default(), three);
    }

    #[test]
    fn sizes_follow_kaldi_truncation() {
        let o = |sr, ms| FbankOptions {
            sample_rate: sr,
            frame_length_ms: ms,
            ..FbankOptions::default()
        };
        assert_eq!(o(8000, 25.0).window_size(), 200);
        assert_eq!(o(22050, 25.0).window_size(), 551);
        assert_eq!(o(22050, 25.0).padded_window_size(), 1024);
        assert_eq!(o(16000, -1.0).window_size(), 0);
        assert_eq!(o(16000, f32::NAN).window_size(), 0);
        let no_pow2 = FbankOptions {
            round_to_power_of_two: false,
            ..FbankOptions::default()
        };
        assert_eq!(no_pow2.padded_window_size(), 400);
    }

    #[test]
    fn serde_round_trip_with_defaults() {
        let json = serde_json::to_string(&FbankOptions::sherpa_onnx()).unwrap();
        assert!(json.contains("\"window\":\"povey\""));
        assert!(json.contains("\"normalization\":\"mean_over_time\""));
        let back: FbankOptions = serde_json::from_str(&json).unwrap();
        assert_eq!(back, FbankOptions::sherpa_onnx());
        let partial: FbankOptions = serde_json::from_str(r#"{"window":"hamming"}"#).unwrap();
        assert_eq!(partial.window, WindowType::Hamming);
        assert_eq!(partial.num_mel_bins, 80);
    }
}
