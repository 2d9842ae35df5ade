//! Style analysis of a 5-minute 48 kHz stereo track on one thread: the
//! whole `analyze`, and its parts (loudness with true peak, the 1/3-octave
//! spectrum with log-mel). `benches/style_side_by_side.py` runs the same
//! work through pyloudnorm + librosa in one run for the ratio.

use criterion::{criterion_group, criterion_main, Criterion};
use voiceprint_core::audio::MultichannelAudio;
use voiceprint_core::style::{
    analyze, log_mel_spectrogram, measure_loudness, MelOptions, StyleOptions,
};

const RATE: u32 = 48_000;
const SECONDS: usize = 300;

/// Broadband, music-like and deterministic: filtered noise (xorshift),
/// a decaying 55 Hz kick every half second and two chord tones, with a
/// little stereo width.
fn track() -> MultichannelAudio {
    let n = RATE as usize * SECONDS;
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut noise = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    };
    let (mut l, mut r) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut lp_l, mut lp_r) = (0.0f32, 0.0f32);
    for i in 0..n {
        let t = i as f32 / RATE as f32;
        let beat = t % 0.5;
        let kick = (-beat * 12.0).exp() * (2.0 * std::f32::consts::PI * 55.0 * t).sin();
        let chord = 0.1 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
            + 0.07 * (2.0 * std::f32::consts::PI * 277.2 * t).sin();
        lp_l = 0.9 * lp_l + 0.1 * noise();
        lp_r = 0.9 * lp_r + 0.1 * noise();
        let common = noise() * 0.05;
        l.push(0.4 * kick + chord + lp_l * 0.6 + common);
        r.push(0.4 * kick + chord * 0.9 + lp_r * 0.6 + common);
    }
    MultichannelAudio::from_planar(vec![l, r], RATE).expect("track")
}

fn style(c: &mut Criterion) {
    let audio = track();
    let opts = StyleOptions::default();
    let mono = audio.to_mono().expect("mono");
    let mut g = c.benchmark_group("style_5min_48k_stereo");
    g.sample_size(10);
    g.bench_function("analyze", |b| {
        b.iter(|| analyze(&audio, &opts).expect("analyze"))
    });
    g.bench_function("loudness_true_peak", |b| {
        b.iter(|| measure_loudness(&audio, -1.0).expect("loudness"))
    });
    g.bench_function("log_mel_64", |b| {
        b.iter(|| log_mel_spectrogram(mono.samples(), RATE, &MelOptions::default()).expect("mel"))
    });
    g.finish();
}

criterion_group!(benches, style);
criterion_main!(benches);
