//! The fbank-model path end to end: 3D-Speaker CAM++ / ERes2Net stand-ins
//! (real architectures, random weights, from ../shared/models) and the small
//! test models with and without sherpa-onnx metadata that
//! scripts/make_test_models.py builds, compared with onnxruntime in Python
//! fed by kaldi-native-fbank features.

use std::path::PathBuf;

use voiceprint_core::audio::{Audio, DecodeOptions};
use voiceprint_core::embed::{OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::{Error, ErrorKind};
use voiceprint_tests::{repo_root, require, runtime};

fn shared_model(name: &str) -> Option<PathBuf> {
    require(
        repo_root().join("../shared/models").join(name),
        "shared benchmark model",
        "it is provided beside the checkout as ../shared/models",
    )
}

fn speech(path: &str) -> Audio {
    Audio::from_path(repo_root().join(path), &DecodeOptions::default()).unwrap()
}

fn assert_unit(v: &[f32]) {
    let n: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((n - 1.0).abs() < 1e-4, "norm {n}");
}

#[test]
fn three_d_speaker_architectures_embed_real_speech() {
    let a = speech("examples/audio/103-enroll.flac");
    let b = speech("examples/audio/1034-test.flac");
    for (file, preset) in [
        ("campplus_random.onnx", "campplus"),
        ("eres2net_random.onnx", "eres2net"),
    ] {
        let Some(path) = shared_model(file) else {
            return;
        };
        let enc = OnnxSpeakerEncoder::from_preset(&path, preset, &runtime()).unwrap();
        assert_eq!(enc.dim(), 192, "{file}");
        assert_eq!(enc.model_id(), preset);
        let ea = enc.embed_audio(&a).unwrap();
        assert_unit(&ea.vector);
        // Deterministic, and a batch gives the same vectors as single calls.
        assert_eq!(enc.embed_audio(&a).unwrap(), ea);
        let batch = enc.embed_audio_batch(&[a.clone(), b.clone()]).unwrap();
        let eb = enc.embed_audio(&b).unwrap();
        for (x, y) in batch[0].vector.iter().zip(&ea.vector) {
            assert!((x - y).abs() < 1e-5);
        }
        for (x, y) in batch[1].vector.iter().zip(&eb.vector) {
            assert!((x - y).abs() < 1e-5);
        }
        // The random-weight model has no speaker metadata: without a preset it is refused.
        let err = OnnxSpeakerEncoder::load(&path, None, &runtime()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidModelSpec, "{err}");
    }
}

#[test]
fn long_audio_is_embedded_in_averaged_windows() {
    let Some(path) = shared_model("campplus_random.onnx") else {
        return;
    };
    let mut spec = voiceprint_core::embed::ModelSpec::preset("campplus").unwrap();
    spec.max_window_seconds = 3.0;
    let enc = OnnxSpeakerEncoder::load(&path, Some(spec), &runtime()).unwrap();
    let clip = speech("examples/audio/1069-enroll.flac");
    // 4 s of audio with 3-s windows: two half-overlapping windows, averaged.
    let e = enc.embed_audio(&clip).unwrap();
    assert_unit(&e.vector);
    let first = enc
        .embed_audio(&clip.slice_secs(0.0, 3.0).unwrap())
        .unwrap();
    let sim = e.similarity(&first).unwrap();
    assert!(
        sim < 0.99999 && sim > 0.5,
        "window average should differ from one window: {sim}"
    );
}

#[test]
fn too_short_audio_and_missing_models_are_typed_errors() {
    let Some(path) = shared_model("campplus_random.onnx") else {
        return;
    };
    let enc = OnnxSpeakerEncoder::from_preset(&path, "campplus", &runtime()).unwrap();
    let short = Audio::from_pcm_f32(&[0.01; 4000], 16000, 1).unwrap();
    assert!(matches!(
        enc.embed_audio(&short),
        Err(Error::AudioTooShort { .. })
    ));
    let err =
        OnnxSpeakerEncoder::from_preset("/no/such/model.onnx", "campplus", &runtime()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelLoad);
    let err = OnnxSpeakerEncoder::from_preset(&path, "no-such-preset", &runtime()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidModelSpec);
    // A file that is not ONNX.
    let err =
        OnnxSpeakerEncoder::from_preset(repo_root().join("README.md"), "campplus", &runtime())
            .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ModelLoad, "{err}");
}

/// The 2-s speech fixture the Python reference was computed on.
fn fixture_speech() -> Audio {
    let bytes = std::fs::read(voiceprint_tests::fixture("features/speech_2s_i16.raw")).unwrap();
    let pcm: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    Audio::from_pcm_i16(&pcm, 16000, 1).unwrap()
}

fn expected_unit(name: &str) -> Vec<f32> {
    let text = std::fs::read_to_string(voiceprint_tests::fixture("models/expected.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let raw: Vec<f32> = json[name]["raw_output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let n = raw.iter().map(|x| x * x).sum::<f32>().sqrt();
    raw.iter().map(|x| x / n).collect()
}

#[test]
fn fbank_models_match_onnxruntime_fed_by_kaldi_native_fbank() {
    let speech = fixture_speech();
    let model = |name: &str| voiceprint_tests::fixture(&format!("models/{name}.onnx"));
    // Spec from sherpa-onnx metadata: 3D-Speaker (povey, samples in [-1, 1]) and
    // WeSpeaker (hamming, x32768); tensor names (`x`/`embedding`, `feats`/`embs`)
    // come from the session.
    for name in ["tiny_3dspeaker_meta", "tiny_wespeaker_meta"] {
        let enc = OnnxSpeakerEncoder::load(model(name), None, &runtime()).unwrap();
        assert_eq!(enc.dim(), 32);
        let got = enc.embed_audio(&speech).unwrap();
        let want = expected_unit(name);
        let diff = got
            .vector
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        println!("{name}: max |rust - python| = {diff:.2e}");
        assert!(diff < 1e-4, "{name}: {diff}");
    }
    // No metadata: a preset supplies the spec, and the dimension is probed.
    let enc =
        OnnxSpeakerEncoder::from_preset(model("tiny_nometa"), "campplus", &runtime()).unwrap();
    assert_eq!(enc.dim(), 32);
    let got = enc.embed_audio(&speech).unwrap();
    let want = expected_unit("tiny_nometa");
    assert!(got
        .vector
        .iter()
        .zip(&want)
        .all(|(a, b)| (a - b).abs() < 1e-4));
    // No metadata and no preset, or incomplete metadata: a typed error, never a guess.
    for name in ["tiny_nometa", "tiny_bad_meta"] {
        let err = OnnxSpeakerEncoder::load(model(name), None, &runtime()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidModelSpec, "{name}: {err}");
        println!("{name}: {err}");
    }
}

#[test]
fn gpu_provider_falls_back_to_cpu_with_identical_results() {
    use voiceprint_core::runtime::{ExecutionProvider, RuntimeConfig};
    let path = voiceprint_tests::fixture("models/tiny_3dspeaker_meta.onnx");
    let cpu = OnnxSpeakerEncoder::load(&path, None, &runtime()).unwrap();
    let asked = RuntimeConfig {
        provider: ExecutionProvider::Cuda { device_id: 0 },
        ..runtime()
    };
    let gpu = OnnxSpeakerEncoder::load(&path, None, &asked).unwrap();
    // This machine has no GPU (and the default build no `cuda` feature): the
    // session runs on CPU and says so.
    if gpu.model().provider() == ExecutionProvider::Cpu {
        println!("CUDA unavailable here: fell back to CPU");
    }
    let speech = fixture_speech();
    let (a, b) = (
        cpu.embed_audio(&speech).unwrap(),
        gpu.embed_audio(&speech).unwrap(),
    );
    assert!(a
        .vector
        .iter()
        .zip(&b.vector)
        .all(|(x, y)| (x - y).abs() < 1e-4));
}
