//! Silero VAD on real speech: probabilities equal silero-vad's own wrapper
//! run in Python (scripts/gen_vad_golden.py), and speech is found where it is.

use voiceprint_core::audio::{Audio, DecodeOptions};
use voiceprint_core::vad::{SileroVad, VadOptions};
use voiceprint_core::Error;
use voiceprint_tests::{fixture, repo_root, runtime, setup_model};

fn padded_speech() -> Audio {
    let clip = Audio::from_path(
        repo_root().join("examples/audio/1069-enroll.flac"),
        &DecodeOptions::default(),
    )
    .unwrap();
    let mut s = vec![0.0f32; 16000];
    s.extend_from_slice(clip.samples());
    s.extend(std::iter::repeat_n(0.0, 16000));
    Audio::from_pcm_f32(&s, 16000, 1).unwrap()
}

#[test]
fn silero_probabilities_match_python_and_find_the_speech() {
    let Some(model) = setup_model("silero_vad.onnx") else {
        return;
    };
    let vad = SileroVad::load(&model, &runtime()).unwrap();
    let audio = padded_speech();
    let probs = vad.probabilities(&audio).unwrap();
    let text = std::fs::read_to_string(fixture("vad_probs.json")).unwrap();
    let golden: Vec<f32> = text
        .split("\"probs\": [")
        .nth(1)
        .and_then(|t| t.split(']').next())
        .unwrap()
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect();
    assert_eq!(probs.len(), golden.len());
    let diff = probs
        .iter()
        .zip(&golden)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    println!(
        "Silero VAD: {} frames, max |rust - python| = {diff:.2e}",
        probs.len()
    );
    assert!(diff < 1e-4, "{diff}");

    // Silero's own segmentation, then the default (more padding, short
    // pauses merged): both inside the speech, the default covering Silero's.
    let segs = vad.speech(&audio, &VadOptions::silero()).unwrap();
    assert!(!segs.is_empty());
    // Speech starts after the leading second of silence and ends before the trailing one.
    assert!(segs[0].start >= 16000 - 16000 / 10, "{segs:?}");
    assert!(
        segs.last().unwrap().end <= audio.samples().len() - 16000 + 16000 / 10,
        "{segs:?}"
    );
    let wide = vad.speech(&audio, &VadOptions::default()).unwrap();
    assert!(wide.len() <= segs.len(), "{wide:?}");
    assert!(wide[0].start <= segs[0].start && wide[0].start >= 16000 - 16000 / 4);
    let silero_kept = vad.keep_speech(&audio, &VadOptions::silero(), 0.5).unwrap();
    let speech = vad
        .keep_speech(&audio, &VadOptions::default(), 0.5)
        .unwrap();
    println!(
        "kept {:.2} s of speech out of {:.2} s ({:.2} s with Silero's segmentation)",
        speech.duration_secs(),
        audio.duration_secs(),
        silero_kept.duration_secs()
    );
    assert!(silero_kept.duration_secs() > 2.5 && silero_kept.duration_secs() < 4.2);
    assert!(speech.duration_secs() >= silero_kept.duration_secs());
    assert!(speech.duration_secs() < audio.duration_secs() - 1.5);

    // Silence has no speech: keeping it is "too short".
    let silence = Audio::from_pcm_f32(&vec![0.0; 32000], 16000, 1).unwrap();
    assert!(vad
        .speech(&silence, &VadOptions::default())
        .unwrap()
        .is_empty());
    assert!(matches!(
        vad.keep_speech(&silence, &VadOptions::default(), 0.5),
        Err(Error::AudioTooShort { .. })
    ));
    // Another rate is resampled first.
    let at8k = audio.resample(8000).unwrap();
    assert!(!vad
        .speech(&at8k, &VadOptions::default())
        .unwrap()
        .is_empty());
}

#[test]
fn engine_with_vad_counts_speech_not_silence() {
    use std::sync::Arc;
    use voiceprint_core::embed::AudioInput;
    use voiceprint_core::{
        MemoryStore, OnnxSpeakerEncoder, SpeakerEncoder, Voiceprints, VoiceprintsConfig,
    };
    let (Some(vad_model), Some(ge2e)) = (
        setup_model("silero_vad.onnx"),
        setup_model("ge2e-resemblyzer.onnx"),
    ) else {
        return;
    };
    let enc =
        Arc::new(OnnxSpeakerEncoder::from_preset(ge2e, "ge2e-resemblyzer", &runtime()).unwrap());
    let store = Arc::new(MemoryStore::new(enc.model_id(), enc.dim()).unwrap());
    let config = VoiceprintsConfig {
        vad: Some(Arc::new(SileroVad::load(vad_model, &runtime()).unwrap())),
        ..Default::default()
    };
    let vp = Voiceprints::with_config(enc, store, config).unwrap();
    // Two seconds of near-silence is long enough audio but holds no speech.
    let hiss: Vec<f32> = (0..32000)
        .map(|i| ((i * 7919 % 101) as f32 / 101.0 - 0.5) * 1e-3)
        .collect();
    let err = vp
        .enroll(
            "nobody",
            &[AudioInput::PcmF32 {
                samples: &hiss,
                sample_rate: 16000,
            }],
        )
        .unwrap_err();
    assert!(matches!(err, Error::AudioTooShort { .. }), "{err}");
    // Speech surrounded by silence enrols, and matches the clip itself.
    let padded = padded_speech();
    vp.enroll("1069", &[AudioInput::Audio(&padded)]).unwrap();
    let clip = repo_root().join("examples/audio/1069-test.flac");
    let v = vp.verify("1069", AudioInput::Path(&clip), None).unwrap();
    println!("VAD engine: verify 1069 score {:.3}", v.score);
    assert!(v.accepted, "{v:?}");
}
