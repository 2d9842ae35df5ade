//! Front ends and end-to-end speaker embedding, one ONNX Runtime thread
//! (the figure the README quotes) and two.

use criterion::{criterion_group, criterion_main, Criterion};
use voiceprint_benches::{model, speech};
use voiceprint_core::embed::{OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::features::{Fbank, FbankOptions, Ge2eMel, Ge2eMelOptions};
use voiceprint_core::runtime::RuntimeConfig;

fn front_ends(c: &mut Criterion) {
    let audio = speech(10.0);
    let fbank = Fbank::new(FbankOptions::three_d_speaker()).expect("fbank");
    let ge2e = Ge2eMel::new(Ge2eMelOptions::default()).expect("ge2e");
    let mut g = c.benchmark_group("front_end_10s");
    g.bench_function("fbank_80_povey", |b| {
        b.iter(|| fbank.compute(audio.samples()).expect("fbank"))
    });
    g.bench_function("ge2e_mel_40", |b| {
        b.iter(|| ge2e.compute(audio.samples()).expect("mel"))
    });
    g.finish();
}

fn embed(c: &mut Criterion) {
    let ten = speech(10.0);
    let three = speech(3.0);
    let cases = [
        (
            "models/ge2e-resemblyzer.onnx",
            "ge2e-resemblyzer",
            &ten,
            "10s",
        ),
        (
            "../shared/models/campplus_random.onnx",
            "campplus",
            &three,
            "3s",
        ),
        (
            "../shared/models/eres2net_random.onnx",
            "eres2net",
            &three,
            "3s",
        ),
    ];
    let mut g = c.benchmark_group("embed");
    g.sample_size(20);
    for (path, preset, audio, len) in cases {
        let Some(path) = model(path) else { continue };
        for threads in [1usize, 2] {
            let rt = RuntimeConfig {
                intra_op_threads: threads,
                ..RuntimeConfig::default()
            };
            let enc = OnnxSpeakerEncoder::from_preset(&path, preset, &rt).expect("model");
            g.bench_function(format!("{preset}_{len}_{threads}thread"), |b| {
                b.iter(|| enc.embed_audio(audio).expect("embed"))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, front_ends, embed);
criterion_main!(benches);
