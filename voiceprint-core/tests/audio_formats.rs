//! Every supported container and codec, decoded from the committed fixtures
//! (made by `scripts/make_audio_fixtures.sh` from one LibriSpeech utterance)
//! and checked against the 16-bit WAV reference.

use voiceprint_core::audio::{Audio, DecodeOptions};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/audio");

fn path(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Decode from the path and from the bytes; both must agree.
fn decode(name: &str) -> Audio {
    let opts = DecodeOptions::default();
    let from_path = Audio::from_path(path(name), &opts).unwrap();
    let bytes = std::fs::read(path(name)).unwrap();
    let from_bytes = Audio::from_bytes(&bytes, &opts).unwrap();
    assert_eq!(from_path, from_bytes, "{name}");
    from_path
}

/// The reference: the 16-bit WAV read with hound, independent of symphonia.
fn reference_pcm() -> Vec<i16> {
    let mut r = hound::WavReader::open(path("speech_2s.wav")).unwrap();
    assert_eq!(r.spec().channels, 1);
    r.samples::<i16>().map(Result::unwrap).collect()
}

/// Best normalised cross-correlation of `a` against `b` over lags
/// `-max_lag..=max_lag` (positive lag: `a` is late); returns (corr, lag).
fn best_correlation(a: &[f32], b: &[f32], max_lag: isize) -> (f64, isize) {
    let mut best = (f64::MIN, 0);
    for lag in -max_lag..=max_lag {
        let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
        for (i, &y) in b.iter().enumerate() {
            let j = i as isize + lag;
            if j < 0 || j as usize >= a.len() {
                continue;
            }
            let x = f64::from(a[j as usize]);
            let y = f64::from(y);
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        let c = ab / (aa * bb).sqrt().max(1e-12);
        if c > best.0 {
            best = (c, lag);
        }
    }
    best
}

#[test]
fn wav_and_flac_equal_the_pcm_exactly() {
    let want = Audio::from_pcm_i16(&reference_pcm(), 16_000, 1).unwrap();
    for name in ["speech_2s.wav", "speech_2s.flac"] {
        let got = decode(name);
        assert_eq!(got.sample_rate(), 16_000, "{name}");
        assert_eq!(got.duration_secs(), 2.0, "{name}");
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn lossy_formats_are_mono_16k_two_seconds_and_match_the_reference() {
    let reference = decode("speech_2s.wav");
    // (file, largest duration error in s, expected lag in samples)
    for (name, tolerance, lag) in [
        // LAME's Xing/Info frame gives delay and padding: trimmed exactly.
        ("speech_2s.mp3", 0.0, 0),
        // The end-of-stream granule position trims Vorbis exactly.
        ("speech_2s.ogg", 0.0, 0),
        // symphonia 0.5 ignores the MP4 edit list: the 1024 priming frames
        // of the AAC encoder stay (64 ms at 16 kHz); the end padding is cut
        // at the `mdhd` duration.
        ("speech_2s.m4a", 0.065, 1024),
    ] {
        let got = decode(name);
        assert_eq!(got.sample_rate(), 16_000, "{name}");
        let d = got.duration_secs();
        assert!((d - 2.0).abs() <= tolerance + 1e-6, "{name}: {d} s");
        let (corr, found_lag) = best_correlation(got.samples(), reference.samples(), 2_048);
        assert!(corr > 0.9, "{name}: correlation {corr} at lag {found_lag}");
        assert_eq!(found_lag, lag, "{name}: correlation {corr}");
    }
}

#[test]
fn stereo_44k_is_averaged_then_resamples_onto_the_reference() {
    let got = decode("speech_0.5s_44k_stereo.wav");
    assert_eq!(got.sample_rate(), 44_100);
    assert_eq!(got.samples().len(), 22_050);
    // Channel average of the samples as hound reads them.
    let mut r = hound::WavReader::open(path("speech_0.5s_44k_stereo.wav")).unwrap();
    assert_eq!(r.spec().channels, 2);
    let pcm: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
    let want: Vec<f32> = pcm
        .chunks_exact(2)
        .map(|f| (0.0 + f32::from(f[0]) / 32_768.0 + f32::from(f[1]) / 32_768.0) * 0.5)
        .collect();
    assert_eq!(got.samples(), &want[..]);
    // The file is the reference at 44.1 kHz, left = x, right = x / 2: back at
    // 16 kHz it is 0.75 x, time-aligned with the reference.
    let back = got.resample(16_000).unwrap();
    assert_eq!(back.samples().len(), 8_000);
    let reference = decode("speech_2s.wav");
    let (corr, lag) = best_correlation(back.samples(), &reference.samples()[..8_000], 16);
    assert!(corr > 0.99, "correlation {corr}");
    assert_eq!(lag, 0);
}

#[test]
fn float_wav_holds_the_reference_samples() {
    let got = decode("speech_0.5s_f32.wav");
    assert_eq!(got.sample_rate(), 16_000);
    assert_eq!(got.duration_secs(), 0.5);
    // ffmpeg converts s16 to float as s / 32768, exactly representable.
    let want: Vec<f32> = reference_pcm()[..8_000]
        .iter()
        .map(|&s| f32::from(s) / 32_768.0)
        .collect();
    assert_eq!(got.samples(), &want[..]);
}

#[test]
fn fixtures_stay_small() {
    let total: u64 = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(total < 300 * 1024, "fixtures take {total} bytes");
}
