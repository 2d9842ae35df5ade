//! The front ends against golden outputs of their Python references on 2 s
//! of real speech: kaldi-native-fbank for [`Fbank`], librosa as Resemblyzer
//! calls it for [`Ge2eMel`], Resemblyzer's `compute_partial_slices` for
//! [`ge2e_partial_slices`].
//!
//! Fixtures: `tests/fixtures/features/`, made by
//! `scripts/gen_feature_golden.py` (see its header; CI never regenerates them).
//!
//! Metrics:
//! - fbank is log mel energy: max absolute difference <= 1e-3 (nats), raw and
//!   after mean normalisation.
//! - GE2E is linear mel power with a dynamic range of many decades: relative
//!   difference `|a - r| / max(|r|, 1e-6)` <= 1e-3. The 1e-6 floor is about
//!   90 dB below the loudest mel bin of this excerpt (~3e3), where an
//!   absolute error of 1e-9 is far below what the encoder can see.

use std::path::PathBuf;

use serde_json::Value;
use voiceprint_core::features::{
    ge2e_partial_slices, Fbank, FbankOptions, FeatureNormalization, Features, Ge2eMel,
    Ge2eMelOptions, WindowType,
};

const FBANK_MAX_ABS: f32 = 1e-3;
const GE2E_MAX_REL: f64 = 1e-3;
const GE2E_REL_FLOOR: f64 = 1e-6;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features")
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn read_f32(entry: &Value) -> (Vec<f32>, usize, usize) {
    let bytes = std::fs::read(fixture_dir().join(entry["file"].as_str().unwrap())).unwrap();
    let data: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let frames = entry["frames"].as_u64().unwrap() as usize;
    let dim = entry["dim"].as_u64().unwrap() as usize;
    assert_eq!(data.len(), frames * dim, "{entry}");
    (data, frames, dim)
}

/// The excerpt as soundfile gives it: int16 / 32768.
fn speech() -> Vec<f32> {
    let bytes = std::fs::read(fixture_dir().join("speech_2s_i16.raw")).unwrap();
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

/// The Rust options of a golden profile: the preset of that name, or the
/// options listed in the manifest. Checks both agree field by field.
fn profile_options(name: &str, o: &Value) -> FbankOptions {
    let from_manifest = FbankOptions {
        sample_rate: o["sample_rate"].as_u64().unwrap() as u32,
        num_mel_bins: o["num_mel_bins"].as_u64().unwrap() as usize,
        frame_length_ms: o["frame_length_ms"].as_f64().unwrap() as f32,
        frame_shift_ms: o["frame_shift_ms"].as_f64().unwrap() as f32,
        preemphasis: o["preemphasis"].as_f64().unwrap() as f32,
        remove_dc_offset: o["remove_dc_offset"].as_bool().unwrap(),
        window: o["window"].as_str().unwrap().parse::<WindowType>().unwrap(),
        round_to_power_of_two: o["round_to_power_of_two"].as_bool().unwrap(),
        low_freq: o["low_freq"].as_f64().unwrap() as f32,
        high_freq: o["high_freq"].as_f64().unwrap() as f32,
        snip_edges: o["snip_edges"].as_bool().unwrap(),
        sample_scale: o["sample_scale"].as_f64().unwrap() as f32,
        use_energy: o["use_energy"].as_bool().unwrap(),
        normalization: FeatureNormalization::MeanOverTime,
        dither: o["dither"].as_f64().unwrap() as f32,
    };
    let preset = match name {
        "three_d_speaker" => Some(FbankOptions::three_d_speaker()),
        "wespeaker" => Some(FbankOptions::wespeaker()),
        "sherpa_onnx" => Some(FbankOptions::sherpa_onnx()),
        _ => None,
    };
    if let Some(preset) = preset {
        assert_eq!(
            preset, from_manifest,
            "preset {name} drifted from the golden profile"
        );
    }
    from_manifest
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> (f32, usize) {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .enumerate()
        .fold(
            (0.0, 0),
            |best, (i, d)| if d > best.0 { (d, i) } else { best },
        )
}

fn column_mean_removed(data: &[f32], dim: usize) -> Vec<f32> {
    let frames = data.len() / dim;
    let mut means = vec![0.0f64; dim];
    for row in data.chunks_exact(dim) {
        for (m, &v) in means.iter_mut().zip(row) {
            *m += f64::from(v) / frames as f64;
        }
    }
    data.chunks_exact(dim)
        .flat_map(|row| {
            row.iter()
                .zip(&means)
                .map(|(&v, &m)| (f64::from(v) - m) as f32)
        })
        .collect()
}

#[test]
fn fbank_matches_kaldi_native_fbank() {
    let m = manifest();
    let samples = speech();
    assert_eq!(
        samples.len(),
        m["input"]["samples"].as_u64().unwrap() as usize
    );
    let profiles = m["fbank"].as_object().unwrap();
    assert!(profiles.len() >= 4);
    for (name, entry) in profiles {
        let (reference, frames, dim) = read_f32(entry);
        let normalised_opts = profile_options(name, &entry["options"]);
        let raw_opts = FbankOptions {
            normalization: FeatureNormalization::None,
            ..normalised_opts.clone()
        };

        let fbank = Fbank::new(raw_opts).unwrap();
        assert_eq!(fbank.num_frames(samples.len()), frames, "{name}");
        let raw = fbank.compute(&samples).unwrap();
        assert_eq!((raw.num_frames(), raw.dim()), (frames, dim), "{name}");
        let (diff, at) = max_abs_diff(raw.as_slice(), &reference);
        println!(
            "fbank {name:>24}: max |diff| {diff:.3e} at frame {} bin {} ({frames}x{dim})",
            at / dim,
            at % dim
        );
        assert!(diff <= FBANK_MAX_ABS, "{name}: max |diff| {diff}");

        let normalised = Fbank::new(normalised_opts)
            .unwrap()
            .compute(&samples)
            .unwrap();
        let expected = column_mean_removed(&reference, dim);
        let (diff, _) = max_abs_diff(normalised.as_slice(), &expected);
        println!("fbank {name:>24}: mean-normalised max |diff| {diff:.3e}");
        assert!(
            diff <= FBANK_MAX_ABS,
            "{name} normalised: max |diff| {diff}"
        );
    }
}

fn assert_ge2e_close(name: &str, ours: &Features, entry: &Value) {
    let (reference, frames, dim) = read_f32(entry);
    assert_eq!((ours.num_frames(), ours.dim()), (frames, dim), "{name}");
    let (mut worst, mut at) = (0.0f64, 0);
    for (i, (&a, &r)) in ours.as_slice().iter().zip(&reference).enumerate() {
        let rel = (f64::from(a) - f64::from(r)).abs() / f64::from(r).abs().max(GE2E_REL_FLOOR);
        if rel > worst {
            (worst, at) = (rel, i);
        }
    }
    println!(
        "{name:>16}: max rel diff {worst:.3e} at frame {} mel {} (ref {:.3e}, ours {:.3e})",
        at / dim,
        at % dim,
        reference[at],
        ours.as_slice()[at]
    );
    assert!(worst <= GE2E_MAX_REL, "{name}: max relative diff {worst}");
}

#[test]
fn ge2e_mel_matches_resemblyzer_librosa() {
    let m = manifest();
    let samples = speech();
    let ge2e = Ge2eMel::new(Ge2eMelOptions::default()).unwrap();
    assert_ge2e_close("ge2e", &ge2e.compute(&samples).unwrap(), &m["ge2e"]);

    let padded_entry = &m["ge2e_padded"];
    let (slices, padded) = ge2e_partial_slices(samples.len(), 1.3, 0.75).unwrap();
    assert_eq!(
        padded as u64,
        padded_entry["padded_samples"].as_u64().unwrap()
    );
    let expected: Vec<Vec<u64>> = serde_json::from_value(padded_entry["slices"].clone()).unwrap();
    let ours: Vec<Vec<u64>> = slices
        .iter()
        .map(|r| vec![r.start as u64, r.end as u64])
        .collect();
    assert_eq!(ours, expected);
    let mel = ge2e.compute_padded(&samples, padded).unwrap();
    assert_ge2e_close("ge2e padded", &mel, padded_entry);

    let partials = ge2e.compute_partials(&samples, 1.3, 0.75).unwrap();
    assert_eq!(partials.len(), slices.len());
    for (p, s) in partials.iter().zip(slices) {
        assert_eq!(p, &mel.slice_frames(s));
    }
}

#[test]
fn partial_slices_match_resemblyzer() {
    let m = manifest();
    let cases = m["partial_slices"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let n = case["samples"].as_u64().unwrap() as usize;
        let rate = case["rate"].as_f64().unwrap();
        let cov = case["min_coverage"].as_f64().unwrap();
        let (slices, padded) = ge2e_partial_slices(n, rate, cov).unwrap();
        let expected: Vec<Vec<u64>> = serde_json::from_value(case["slices"].clone()).unwrap();
        let ours: Vec<Vec<u64>> = slices
            .iter()
            .map(|r| vec![r.start as u64, r.end as u64])
            .collect();
        assert_eq!(ours, expected, "samples {n} rate {rate} coverage {cov}");
        assert_eq!(
            padded as u64,
            case["padded_samples"].as_u64().unwrap(),
            "samples {n} rate {rate}"
        );
    }
}
