//! Mix and master style: `voiceprint.analyze`, `StyleMatcher`, `StyleIndex`
//! and the spectral helpers, over core's `style` module and its engines.
//! Settings default to core's (`StyleOptions::default()`); every measurement
//! runs with the GIL released. Levels that are minus infinity in core
//! (silence) read None here, never NaN.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use voiceprint_core::style::{self as core, MelOptions, StyleOptions, CURVE_STEP_SECS};
use voiceprint_core::{DecodeOptions, SqliteStore};

use crate::audio_input::OwnedChannels;
use crate::errors::IntoPyResult;
use crate::progress::Callback;

/// A level in dB, None where core has minus infinity (silence).
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn show(v: Option<f64>) -> String {
    v.map_or("None".into(), |v| format!("{v:.2}"))
}

fn options(ceiling_dbtp: f64, mel_bins: usize) -> StyleOptions {
    StyleOptions {
        ceiling_dbtp,
        mel: MelOptions {
            n_mels: mel_bins,
            ..MelOptions::default()
        },
        ..StyleOptions::default()
    }
}

fn matcher(ceiling_dbtp: f64, mel_bins: usize) -> PyResult<voiceprint_core::StyleMatcher> {
    voiceprint_core::StyleMatcher::new(options(ceiling_dbtp, mel_bins), DecodeOptions::default())
        .py()
}

/// Overloads against the true-peak ceiling (EBU R128 / BS.1770-4).
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct Overload {
    /// The ceiling, dBTP.
    pub ceiling_dbtp: f64,
    /// Share of samples (all channels) whose magnitude exceeds the ceiling.
    pub sample_ratio: f64,
    /// Share of 400 ms blocks whose true peak exceeds it.
    pub block_ratio: f64,
    /// Number of 400 ms blocks (the last may be shorter).
    pub blocks: usize,
    /// Samples at full scale in runs of two or more: the flat tops of clipping.
    pub clipped_samples: usize,
}

impl From<&core::Overload> for Overload {
    fn from(o: &core::Overload) -> Self {
        Overload {
            ceiling_dbtp: o.ceiling_dbtp,
            sample_ratio: o.sample_ratio,
            block_ratio: o.block_ratio,
            blocks: o.blocks,
            clipped_samples: o.clipped_samples,
        }
    }
}

#[pymethods]
impl Overload {
    /// Whether the input shows clipping.
    #[getter]
    fn clipped(&self) -> bool {
        self.clipped_samples > 0
    }

    /// The fields (and `clipped`) as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("ceiling_dbtp", self.ceiling_dbtp)?;
        d.set_item("sample_ratio", self.sample_ratio)?;
        d.set_item("block_ratio", self.block_ratio)?;
        d.set_item("blocks", self.blocks)?;
        d.set_item("clipped_samples", self.clipped_samples)?;
        d.set_item("clipped", self.clipped())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Overload(ceiling_dbtp={:.1}, sample_ratio={:.4}, block_ratio={:.4}, blocks={}, clipped_samples={})",
            self.ceiling_dbtp, self.sample_ratio, self.block_ratio, self.blocks, self.clipped_samples
        )
    }
}

/// Every style figure of one signal: loudness (EBU R128), peaks, overloads,
/// dynamics, stereo image, 1/3-octave spectrum, mean log-mel spectrum.
///
/// >>> a = voiceprint.analyze("master.flac")
/// >>> a.integrated_lufs, a.true_peak_dbtp, a.loudness_range_lu
/// (-9.8, -0.9, 5.6)
///
/// Levels are None in silence (minus infinity), never NaN; `true_peak` and
/// `sample_peak` are per channel and linear (float64); spectra, curves and
/// the style vector are float32. An analysis read back from a `StyleIndex`
/// has empty loudness curves (they are not stored).
#[pyclass(frozen, module = "voiceprint")]
pub struct StyleAnalysis {
    pub inner: core::StyleAnalysis,
}

impl From<core::StyleAnalysis> for StyleAnalysis {
    fn from(inner: core::StyleAnalysis) -> Self {
        StyleAnalysis { inner }
    }
}

#[pymethods]
impl StyleAnalysis {
    /// Sample rate, Hz.
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate
    }

    /// Number of channels.
    #[getter]
    fn channels(&self) -> usize {
        self.inner.channels
    }

    /// Channel layout, e.g. `"L R"`.
    #[getter]
    fn layout(&self) -> String {
        self.inner.layout.clone()
    }

    /// Duration, seconds.
    #[getter]
    fn duration(&self) -> f64 {
        self.inner.duration_secs
    }

    /// Gated integrated loudness, LUFS; None for silence.
    #[getter]
    fn integrated_lufs(&self) -> Option<f64> {
        self.inner.loudness.integrated_lufs
    }

    /// Highest momentary (400 ms) loudness, LUFS; None for silence.
    #[getter]
    fn momentary_max_lufs(&self) -> Option<f64> {
        self.inner.loudness.momentary_max_lufs
    }

    /// Highest short-term (3 s) loudness, LUFS; None for silence.
    #[getter]
    fn short_term_max_lufs(&self) -> Option<f64> {
        self.inner.loudness.short_term_max_lufs
    }

    /// Loudness range, LU (EBU Tech 3342); None with the reason in
    /// `loudness_range_note`.
    #[getter]
    fn loudness_range_lu(&self) -> Option<f64> {
        self.inner.loudness.loudness_range_lu
    }

    /// Why there is no loudness range, when there is none.
    #[getter]
    fn loudness_range_note(&self) -> Option<String> {
        self.inner.loudness.loudness_range_note.clone()
    }

    /// Highest true peak over the channels, dBTP; None for silence.
    #[getter]
    fn true_peak_dbtp(&self) -> Option<f64> {
        finite(self.inner.loudness.true_peak_dbtp())
    }

    /// Highest sample peak over the channels, dBFS; None for silence.
    #[getter]
    fn sample_peak_dbfs(&self) -> Option<f64> {
        finite(self.inner.loudness.sample_peak_dbfs())
    }

    /// True peak per channel (4x oversampled below 96 kHz), linear, float64.
    #[getter]
    fn true_peak<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.loudness.true_peak)
    }

    /// Sample peak per channel, linear (1.0 is full scale), float64.
    #[getter]
    fn sample_peak<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.loudness.sample_peak)
    }

    /// Peak-to-loudness ratio (true peak minus integrated loudness), dB.
    #[getter]
    fn plr_db(&self) -> Option<f64> {
        self.inner.plr_db()
    }

    /// Sample peak to RMS (channels other than LFE), dB.
    #[getter]
    fn crest_factor_db(&self) -> Option<f64> {
        self.inner.crest_factor_db
    }

    /// RMS level (channels other than LFE), dBFS.
    #[getter]
    fn rms_dbfs(&self) -> Option<f64> {
        self.inner.rms_dbfs
    }

    /// Overloads against the ceiling and clipping.
    #[getter]
    fn overload(&self) -> Overload {
        (&self.inner.loudness.overload).into()
    }

    /// Whether the input shows clipping (`overload.clipped`).
    #[getter]
    fn clipped(&self) -> bool {
        self.inner.loudness.overload.clipped()
    }

    /// Correlation of the front left/right pair, -1 to 1; None without one.
    #[getter]
    fn correlation(&self) -> Option<f64> {
        self.inner.stereo.map(|s| s.correlation)
    }

    /// Side-to-mid energy of the front pair, dB; None without one.
    #[getter]
    fn side_to_mid_db(&self) -> Option<f64> {
        self.inner.stereo.map(|s| s.side_to_mid_db)
    }

    /// Centres of the 1/3-octave bands, Hz (float32).
    #[getter]
    fn bands_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_vec(py, self.inner.bands_hz())
    }

    /// Bands wholly below Nyquist (the rest read the floor, -150 dB).
    #[getter]
    fn valid_bands(&self) -> usize {
        self.inner.valid_bands()
    }

    /// Long-term level per 1/3-octave band, dBFS (float32, floored at -150).
    #[getter]
    fn band_levels_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.inner.band_levels_db)
    }

    /// Mean log-mel spectrum of the mono mix, dB (float32, `mel_bins` long).
    #[getter]
    fn mel_db_mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.inner.mel_db_mean)
    }

    /// Short-term loudness every `curve_step` seconds, LUFS (float32; -inf in silence).
    #[getter]
    fn short_term_curve<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.inner.loudness.short_term_curve)
    }

    /// Momentary loudness every `curve_step` seconds, LUFS (float32; -inf in silence).
    #[getter]
    fn momentary_curve<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.inner.loudness.momentary_curve)
    }

    /// Seconds between two points of the loudness curves (0.1).
    #[getter]
    fn curve_step(&self) -> f64 {
        CURVE_STEP_SECS
    }

    /// The level-free style vector (float32) `StyleIndex` ranks by.
    #[getter]
    fn style_vector<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_vec(py, self.inner.style_vector())
    }

    /// Every attribute as plain Python values (lists for the arrays,
    /// `overload` as a dict), e.g. for `json.dumps`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let a = &self.inner;
        let l = &a.loudness;
        let d = PyDict::new(py);
        d.set_item("sample_rate", a.sample_rate)?;
        d.set_item("channels", a.channels)?;
        d.set_item("layout", &a.layout)?;
        d.set_item("duration", a.duration_secs)?;
        d.set_item("integrated_lufs", l.integrated_lufs)?;
        d.set_item("momentary_max_lufs", l.momentary_max_lufs)?;
        d.set_item("short_term_max_lufs", l.short_term_max_lufs)?;
        d.set_item("loudness_range_lu", l.loudness_range_lu)?;
        d.set_item("loudness_range_note", &l.loudness_range_note)?;
        d.set_item("true_peak_dbtp", self.true_peak_dbtp())?;
        d.set_item("sample_peak_dbfs", self.sample_peak_dbfs())?;
        d.set_item("true_peak", &l.true_peak)?;
        d.set_item("sample_peak", &l.sample_peak)?;
        d.set_item("plr_db", a.plr_db())?;
        d.set_item("crest_factor_db", a.crest_factor_db)?;
        d.set_item("rms_dbfs", a.rms_dbfs)?;
        d.set_item("overload", self.overload().to_dict(py)?)?;
        d.set_item("clipped", self.clipped())?;
        d.set_item("correlation", self.correlation())?;
        d.set_item("side_to_mid_db", self.side_to_mid_db())?;
        d.set_item("bands_hz", a.bands_hz())?;
        d.set_item("valid_bands", a.valid_bands())?;
        d.set_item("band_levels_db", &a.band_levels_db)?;
        d.set_item("mel_db_mean", &a.mel_db_mean)?;
        d.set_item("short_term_curve", &l.short_term_curve)?;
        d.set_item("momentary_curve", &l.momentary_curve)?;
        d.set_item("curve_step", CURVE_STEP_SECS)?;
        d.set_item("style_vector", a.style_vector())?;
        Ok(d)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<StyleAnalysis>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "StyleAnalysis(sample_rate={}, layout={:?}, duration={:.2}, integrated_lufs={}, \
             loudness_range_lu={}, true_peak_dbtp={}, clipped={})",
            self.inner.sample_rate,
            self.inner.layout,
            self.inner.duration_secs,
            show(self.integrated_lufs()),
            show(self.loudness_range_lu()),
            show(self.true_peak_dbtp()),
            if self.clipped() { "True" } else { "False" }
        )
    }
}

/// What differs between a target and a reference.
///
/// >>> c = voiceprint.StyleMatcher().compare("mix.wav", "reference.flac")
/// >>> c.gain_to_match_db, dict(zip(c.bands_hz, c.eq_curve_db))
///
/// Differences read target minus reference (a positive `lra_difference_lu`:
/// the target is more dynamic) except `eq_curve_db` and `gain_to_match_db`,
/// which say what to do to the target: reference minus target. Figures that
/// need both signals to be loud (or stereo) are None otherwise.
#[pyclass(frozen, module = "voiceprint")]
pub struct StyleComparison {
    pub inner: core::StyleComparison,
}

impl From<core::StyleComparison> for StyleComparison {
    fn from(inner: core::StyleComparison) -> Self {
        StyleComparison { inner }
    }
}

#[pymethods]
impl StyleComparison {
    /// Integrated loudness of the target minus the reference, LU.
    #[getter]
    fn loudness_error_lu(&self) -> Option<f64> {
        self.inner.loudness_error_lu
    }

    /// Gain that brings the target to the reference's loudness, dB.
    #[getter]
    fn gain_to_match_db(&self) -> Option<f64> {
        self.inner.gain_to_match_db
    }

    /// Target's highest true peak, dBTP; None for silence.
    #[getter]
    fn target_true_peak_dbtp(&self) -> Option<f64> {
        finite(self.inner.target_true_peak_dbtp)
    }

    /// Reference's highest true peak, dBTP; None for silence.
    #[getter]
    fn reference_true_peak_dbtp(&self) -> Option<f64> {
        finite(self.inner.reference_true_peak_dbtp)
    }

    /// The target's true peak after the matching gain: above the ceiling,
    /// matching needs a limiter.
    #[getter]
    fn matched_true_peak_dbtp(&self) -> Option<f64> {
        self.inner.matched_true_peak_dbtp
    }

    /// Target's share of 400 ms blocks over the ceiling.
    #[getter]
    fn target_overload_block_ratio(&self) -> f64 {
        self.inner.target_overload_block_ratio
    }

    /// Reference's share of 400 ms blocks over the ceiling.
    #[getter]
    fn reference_overload_block_ratio(&self) -> f64 {
        self.inner.reference_overload_block_ratio
    }

    /// Target's share of samples over the ceiling.
    #[getter]
    fn target_overload_sample_ratio(&self) -> f64 {
        self.inner.target_overload_sample_ratio
    }

    /// Reference's share of samples over the ceiling.
    #[getter]
    fn reference_overload_sample_ratio(&self) -> f64 {
        self.inner.reference_overload_sample_ratio
    }

    /// Loudness range difference, LU.
    #[getter]
    fn lra_difference_lu(&self) -> Option<f64> {
        self.inner.lra_difference_lu
    }

    /// Peak-to-loudness ratio difference, dB.
    #[getter]
    fn plr_difference_db(&self) -> Option<f64> {
        self.inner.plr_difference_db
    }

    /// Crest factor difference, dB.
    #[getter]
    fn crest_factor_difference_db(&self) -> Option<f64> {
        self.inner.crest_factor_difference_db
    }

    /// Correlation difference (both stereo only).
    #[getter]
    fn correlation_difference(&self) -> Option<f64> {
        self.inner.correlation_difference
    }

    /// Side-to-mid ratio difference, dB (both stereo only).
    #[getter]
    fn side_to_mid_difference_db(&self) -> Option<f64> {
        self.inner.side_to_mid_difference_db
    }

    /// Centres of the bands of `eq_curve_db`, Hz (float32): the 1/3-octave
    /// bands below both signals' Nyquist frequency.
    #[getter]
    fn bands_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.inner.bands_hz)
    }

    /// Reference minus target per band, dB (float32), with the offset most
    /// bands share (`eq_offset_db`) taken out: a shelf reads as the shelf, a
    /// gain as nothing. Bands silent in either signal read 0.
    #[getter]
    fn eq_curve_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.inner.eq_curve_db)
    }

    /// The level offset removed from the EQ curve, dB.
    #[getter]
    fn eq_offset_db(&self) -> f32 {
        self.inner.eq_offset_db
    }

    /// Multi-resolution STFT distance after loudness matching,
    /// `(spectral_convergence, log_magnitude_l1)`; None when compared from
    /// stored analyses (`StyleIndex.nearest`).
    #[getter]
    fn stft_distance(&self) -> Option<(f64, f64)> {
        self.inner
            .stft_distance
            .map(|d| (d.spectral_convergence, d.log_magnitude_l1))
    }

    /// ‖|Y| − |X|‖ / ‖|Y|‖ over the STFT resolutions (0: equal magnitudes).
    #[getter]
    fn spectral_convergence(&self) -> Option<f64> {
        self.inner.stft_distance.map(|d| d.spectral_convergence)
    }

    /// Mean |ln |Y| − ln |X|| over the STFT resolutions.
    #[getter]
    fn log_magnitude_l1(&self) -> Option<f64> {
        self.inner.stft_distance.map(|d| d.log_magnitude_l1)
    }

    /// Mean absolute log-mel difference after loudness matching, dB.
    #[getter]
    fn log_mel_distance_db(&self) -> Option<f64> {
        self.inner.log_mel_distance_db
    }

    /// Euclidean distance between the style vectors.
    #[getter]
    fn style_distance(&self) -> f64 {
        self.inner.style_distance
    }

    /// Target and reference sample rates, Hz.
    #[getter]
    fn sample_rates(&self) -> (u32, u32) {
        (self.inner.sample_rates[0], self.inner.sample_rates[1])
    }

    /// Target and reference channel counts.
    #[getter]
    fn channels(&self) -> (usize, usize) {
        (self.inner.channels[0], self.inner.channels[1])
    }

    /// The rate the spectral terms were measured at (the lower of the two).
    #[getter]
    fn spectral_rate(&self) -> u32 {
        self.inner.spectral_rate
    }

    /// What was done to make the two comparable (resampling, downmixing,
    /// no loudness match for silence).
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.inner.notes.clone()
    }

    /// Every attribute as plain Python values (lists for the arrays).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.inner;
        let d = PyDict::new(py);
        d.set_item("loudness_error_lu", c.loudness_error_lu)?;
        d.set_item("gain_to_match_db", c.gain_to_match_db)?;
        d.set_item("target_true_peak_dbtp", self.target_true_peak_dbtp())?;
        d.set_item("reference_true_peak_dbtp", self.reference_true_peak_dbtp())?;
        d.set_item("matched_true_peak_dbtp", c.matched_true_peak_dbtp)?;
        d.set_item("target_overload_block_ratio", c.target_overload_block_ratio)?;
        d.set_item(
            "reference_overload_block_ratio",
            c.reference_overload_block_ratio,
        )?;
        d.set_item(
            "target_overload_sample_ratio",
            c.target_overload_sample_ratio,
        )?;
        d.set_item(
            "reference_overload_sample_ratio",
            c.reference_overload_sample_ratio,
        )?;
        d.set_item("lra_difference_lu", c.lra_difference_lu)?;
        d.set_item("plr_difference_db", c.plr_difference_db)?;
        d.set_item("crest_factor_difference_db", c.crest_factor_difference_db)?;
        d.set_item("correlation_difference", c.correlation_difference)?;
        d.set_item("side_to_mid_difference_db", c.side_to_mid_difference_db)?;
        d.set_item("bands_hz", &c.bands_hz)?;
        d.set_item("eq_curve_db", &c.eq_curve_db)?;
        d.set_item("eq_offset_db", c.eq_offset_db)?;
        d.set_item("stft_distance", self.stft_distance())?;
        d.set_item("spectral_convergence", self.spectral_convergence())?;
        d.set_item("log_magnitude_l1", self.log_magnitude_l1())?;
        d.set_item("log_mel_distance_db", c.log_mel_distance_db)?;
        d.set_item("style_distance", c.style_distance)?;
        d.set_item("sample_rates", self.sample_rates())?;
        d.set_item("channels", self.channels())?;
        d.set_item("spectral_rate", c.spectral_rate)?;
        d.set_item("notes", &c.notes)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "StyleComparison(loudness_error_lu={}, gain_to_match_db={}, matched_true_peak_dbtp={}, \
             style_distance={:.3}, bands={})",
            show(self.inner.loudness_error_lu),
            show(self.inner.gain_to_match_db),
            show(self.inner.matched_true_peak_dbtp),
            self.inner.style_distance,
            self.inner.bands_hz.len()
        )
    }
}

/// Every style figure of one input: a path, the bytes of an audio file, or a
/// float32 / float64 numpy array, 1-D mono or 2-D `(frames, channels)`
/// (mono to 7.1), with `sample_rate=`.
///
/// >>> a = voiceprint.analyze("master.flac")
/// >>> a.integrated_lufs, a.true_peak_dbtp
/// (-9.8, -0.9)
///
/// `ceiling_dbtp` is the true-peak ceiling of the overload figures and
/// `mel_bins` the size of the mean log-mel spectrum. More than eight
/// channels raise `UnsupportedFormatError`.
#[pyfunction]
#[pyo3(
    signature = (audio, sample_rate=None, *, ceiling_dbtp=StyleOptions::default().ceiling_dbtp, mel_bins=MelOptions::default().n_mels),
    text_signature = "(audio, sample_rate=None, *, ceiling_dbtp=-1.0, mel_bins=64)"
)]
pub fn analyze(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    ceiling_dbtp: f64,
    mel_bins: usize,
) -> PyResult<StyleAnalysis> {
    let m = matcher(ceiling_dbtp, mel_bins)?;
    let input = OwnedChannels::extract(audio, sample_rate)?;
    py.detach(move || m.analyze(input.as_input()))
        .py()
        .map(Into::into)
}

/// Loudness, true peak, spectrum and style comparison of mixes and masters.
///
/// >>> matcher = voiceprint.StyleMatcher(ceiling_dbtp=-1.0)
/// >>> matcher.compare("mix.wav", "reference.flac").gain_to_match_db
/// -3.2
///
/// Inputs are as for `voiceprint.analyze`; arrays take their rate from
/// `sample_rate=` (`target_rate=` / `reference_rate=` in `compare`). Safe to
/// share between threads; the GIL is released while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct StyleMatcher {
    inner: Arc<voiceprint_core::StyleMatcher>,
}

#[pymethods]
impl StyleMatcher {
    #[new]
    #[pyo3(
        signature = (*, ceiling_dbtp=StyleOptions::default().ceiling_dbtp, mel_bins=MelOptions::default().n_mels),
        text_signature = "(*, ceiling_dbtp=-1.0, mel_bins=64)"
    )]
    fn new(ceiling_dbtp: f64, mel_bins: usize) -> PyResult<Self> {
        Ok(StyleMatcher {
            inner: Arc::new(matcher(ceiling_dbtp, mel_bins)?),
        })
    }

    /// Every style figure of one input.
    #[pyo3(signature = (audio, sample_rate=None))]
    fn analyze(
        &self,
        py: Python<'_>,
        audio: &Bound<'_, PyAny>,
        sample_rate: Option<u32>,
    ) -> PyResult<StyleAnalysis> {
        let input = OwnedChannels::extract(audio, sample_rate)?;
        let inner = self.inner.clone();
        py.detach(move || inner.analyze(input.as_input()))
            .py()
            .map(Into::into)
    }

    /// Compares a target (a mix) with a reference (a master, or a track
    /// whose sound you want).
    ///
    /// >>> c = matcher.compare("mix.wav", "master.wav")
    /// >>> c.loudness_error_lu, c.spectral_convergence
    #[pyo3(signature = (target, reference, *, target_rate=None, reference_rate=None))]
    fn compare(
        &self,
        py: Python<'_>,
        target: &Bound<'_, PyAny>,
        reference: &Bound<'_, PyAny>,
        target_rate: Option<u32>,
        reference_rate: Option<u32>,
    ) -> PyResult<StyleComparison> {
        let target = OwnedChannels::extract(target, target_rate)?;
        let reference = OwnedChannels::extract(reference, reference_rate)?;
        let inner = self.inner.clone();
        py.detach(move || inner.compare(target.as_input(), reference.as_input()))
            .py()
            .map(Into::into)
    }

    /// The true-peak ceiling of the overload figures, dBTP.
    #[getter]
    fn ceiling_dbtp(&self) -> f64 {
        self.inner.options().ceiling_dbtp
    }

    /// Bins of the mean log-mel spectrum.
    #[getter]
    fn mel_bins(&self) -> usize {
        self.inner.options().mel.n_mels
    }

    fn __repr__(&self) -> String {
        let o = self.inner.options();
        format!(
            "StyleMatcher(ceiling_dbtp={:.1}, mel_bins={})",
            o.ceiling_dbtp, o.mel.n_mels
        )
    }
}

/// One hit of `StyleIndex.nearest`.
#[pyclass(frozen, get_all, module = "voiceprint")]
pub struct StyleMatch {
    /// The reference id.
    pub id: String,
    /// Euclidean distance between the style vectors (0: the same style).
    pub distance: f64,
    /// The comparison with this reference (from the stored analyses, so
    /// without STFT distances), when asked for; else None.
    pub comparison: Option<Py<StyleComparison>>,
}

#[pymethods]
impl StyleMatch {
    fn __repr__(&self) -> String {
        format!(
            "StyleMatch(id={:?}, distance={:.4}, comparison={})",
            self.id,
            self.distance,
            if self.comparison.is_some() {
                "<StyleComparison>"
            } else {
                "None"
            }
        )
    }
}

/// A library of reference styles, searched for the one nearest a mix.
///
/// >>> index = voiceprint.StyleIndex("styles.db"); index.add_folder("references/")
/// >>> index.nearest("my-mix.wav", k=1)[0].id
/// 'warm-vinyl'
///
/// `path` None keeps the library in memory; else it is an SQLite file,
/// created when missing and reopened with its references. Each reference
/// keeps its analysis (`get`); distances are between style vectors, which
/// do not depend on level. Safe to share between threads; the GIL is
/// released while it works.
#[pyclass(frozen, module = "voiceprint")]
pub struct StyleIndex {
    inner: Arc<voiceprint_core::StyleIndex>,
    path: Option<PathBuf>,
}

#[pymethods]
impl StyleIndex {
    #[new]
    #[pyo3(
        signature = (path=None, *, ceiling_dbtp=StyleOptions::default().ceiling_dbtp, mel_bins=MelOptions::default().n_mels),
        text_signature = "(path=None, *, ceiling_dbtp=-1.0, mel_bins=64)"
    )]
    fn new(
        py: Python<'_>,
        path: Option<PathBuf>,
        ceiling_dbtp: f64,
        mel_bins: usize,
    ) -> PyResult<Self> {
        let m = matcher(ceiling_dbtp, mel_bins)?;
        let index = match &path {
            None => voiceprint_core::StyleIndex::in_memory(m),
            Some(p) => py
                .detach(|| {
                    let store = SqliteStore::create_or_open(
                        p,
                        voiceprint_core::StyleIndex::MODEL_ID,
                        voiceprint_core::StyleIndex::STORE_DIM,
                    )?;
                    voiceprint_core::StyleIndex::new(m, Arc::new(store))
                })
                .py()?,
        };
        Ok(StyleIndex {
            inner: Arc::new(index),
            path,
        })
    }

    /// Analyses a reference and adds (or replaces) it under `id`; returns
    /// its analysis. A silent reference raises `EmptyInputError`.
    #[pyo3(signature = (id, audio, sample_rate=None, labels=None))]
    fn add(
        &self,
        py: Python<'_>,
        id: String,
        audio: &Bound<'_, PyAny>,
        sample_rate: Option<u32>,
        labels: Option<BTreeMap<String, String>>,
    ) -> PyResult<StyleAnalysis> {
        let input = OwnedChannels::extract(audio, sample_rate)?;
        let inner = self.inner.clone();
        py.detach(move || inner.add(&id, input.as_input(), labels.unwrap_or_default()))
            .py()
            .map(Into::into)
    }

    /// Adds every audio file of a folder (not recursing), named by file
    /// stem; returns the files skipped, `(path, error message)`.
    ///
    /// >>> skipped = index.add_folder("references/", progress=lambda f: print(f"{f:.0%}"))
    ///
    /// `progress(fraction)` is called after each file; returning False
    /// raises `CancelledError` (what was added stays), and an exception it
    /// raises stops the work and is re-raised.
    #[pyo3(signature = (dir, progress=None))]
    fn add_folder(
        &self,
        py: Python<'_>,
        dir: PathBuf,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Vec<(String, String)>> {
        let callback = Callback::new(py, progress)?;
        let inner = self.inner.clone();
        let result = py.detach(|| {
            let report = |f: f32| callback.report(f);
            inner.add_folder(&dir, Some(&report))
        });
        if let Some(e) = callback.into_error() {
            return Err(e);
        }
        Ok(result
            .py()?
            .into_iter()
            .map(|(path, e)| (path, e.to_string()))
            .collect())
    }

    /// The `k` references nearest in style to `audio`, nearest first, each
    /// with its comparison when `with_comparison`.
    #[pyo3(signature = (audio, k=5, sample_rate=None, with_comparison=false))]
    fn nearest(
        &self,
        py: Python<'_>,
        audio: &Bound<'_, PyAny>,
        k: usize,
        sample_rate: Option<u32>,
        with_comparison: bool,
    ) -> PyResult<Vec<StyleMatch>> {
        let input = OwnedChannels::extract(audio, sample_rate)?;
        let inner = self.inner.clone();
        let found = py
            .detach(move || inner.nearest(input.as_input(), k, with_comparison))
            .py()?;
        found
            .into_iter()
            .map(|m| {
                Ok(StyleMatch {
                    id: m.id,
                    distance: m.distance,
                    comparison: m
                        .comparison
                        .map(|c| Py::new(py, StyleComparison::from(c)))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// A reference's stored analysis (without loudness curves), or None.
    fn get(&self, py: Python<'_>, id: String) -> PyResult<Option<StyleAnalysis>> {
        let inner = self.inner.clone();
        Ok(py.detach(move || inner.get(&id)).py()?.map(Into::into))
    }

    /// Removes a reference; True when it existed.
    fn remove(&self, py: Python<'_>, id: String) -> PyResult<bool> {
        let inner = self.inner.clone();
        py.detach(move || inner.remove(&id)).py()
    }

    /// All reference ids, sorted.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let inner = self.inner.clone();
        py.detach(move || inner.list()).py()
    }

    /// The SQLite file, or None for an index in memory.
    #[getter]
    fn path(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.display().to_string())
    }

    /// Number of references.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "StyleIndex(path={}, references={})",
            self.path
                .as_ref()
                .map_or("None".into(), |p| format!("{:?}", p.display().to_string())),
            self.inner.len()
        )
    }
}

/// Samples of a 1-D float32 or float64 array.
fn mono_samples(samples: &Bound<'_, PyAny>) -> PyResult<Vec<f32>> {
    if let Ok(a) = samples.extract::<PyReadonlyArray1<'_, f32>>() {
        return Ok(a.as_array().to_vec());
    }
    if let Ok(a) = samples.extract::<PyReadonlyArray1<'_, f64>>() {
        return Ok(a.as_array().iter().map(|&x| x as f32).collect());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "samples must be a 1-D numpy float32 (or float64) array",
    ))
}

/// Log-mel spectrogram `(frames, n_mels)` in dB, float32, like
/// `librosa.power_to_db(librosa.feature.melspectrogram(y=samples, sr=sample_rate,
/// n_fft=n_fft, hop_length=hop, n_mels=n_mels, center=False))` (Slaney mel,
/// periodic Hann, floored at -100 dB).
///
/// >>> voiceprint.log_mel_spectrogram(samples, 48000).shape
/// (1404, 64)
#[pyfunction]
#[pyo3(
    signature = (samples, sample_rate, *, n_mels=MelOptions::default().n_mels, n_fft=MelOptions::default().n_fft, hop=MelOptions::default().hop),
    text_signature = "(samples, sample_rate, *, n_mels=64, n_fft=2048, hop=512)"
)]
pub fn log_mel_spectrogram<'py>(
    py: Python<'py>,
    samples: &Bound<'py, PyAny>,
    sample_rate: u32,
    n_mels: usize,
    n_fft: usize,
    hop: usize,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let samples = mono_samples(samples)?;
    let opts = MelOptions {
        n_mels,
        n_fft,
        hop,
        ..MelOptions::default()
    };
    let mel = py
        .detach(move || core::log_mel_spectrogram(&samples, sample_rate, &opts))
        .py()?;
    Ok(mel.into_pyarray(py))
}

/// The 30 base-10 1/3-octave centre frequencies the band levels and EQ
/// curves use, 25 Hz to 20 kHz (exact values, float64).
///
/// >>> voiceprint.third_octave_bands()[16]
/// 1000.0
#[pyfunction]
pub fn third_octave_bands(py: Python<'_>) -> Bound<'_, PyArray1<f64>> {
    PyArray1::from_slice(py, &core::third_octave_centres())
}
