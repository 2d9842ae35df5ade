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
