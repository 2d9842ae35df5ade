//! Shared inputs for the benchmarks: real speech when `../shared` is
//! beside the checkout, and the models made by `scripts/setup.sh`.

use std::path::{Path, PathBuf};

use voiceprint_core::audio::{Audio, DecodeOptions};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `seconds` of real speech at 16 kHz: LibriSpeech utterances from
/// `../shared/data` concatenated, or the example clips when it is absent.
pub fn speech(seconds: f32) -> Audio {
    let shared = repo_root().join("../shared/data/librispeech-train-clean-100");
    let dir = if shared.is_dir() {
        shared
    } else {
        repo_root().join("examples/audio")
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "flac"));
    files.sort();
    let want = (seconds * 16000.0) as usize;
    let mut samples = Vec::with_capacity(want);
    for f in files.iter().cycle().take(files.len() * 50) {
        if samples.len() >= want {
            break;
        }
        if let Ok(a) =
            Audio::from_path(f, &DecodeOptions::default()).and_then(|a| a.resample(16000))
        {
            samples.extend_from_slice(a.samples());
        }
    }
    samples.truncate(want);
    Audio::from_pcm_f32(&samples, 16000, 1).expect("benchmark speech")
}

/// A model file if present (prints a note otherwise, so the bench skips it).
pub fn model(rel: &str) -> Option<PathBuf> {
    let p = repo_root().join(rel);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipping benchmarks of {rel}: not found (run scripts/setup.sh; shared models live in ../shared/models)");
        None
    }
}

/// The benchmark batch of real photos (scikit-image's sample data, extracted
/// by `scripts/setup.sh`): JPEG and PNG, 300 to 1,411 pixels a side. The
/// same list as `benches/image_python.py`.
pub const BENCH_IMAGES: &[&str] = &[
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "retina.jpg",
    "hubble_deep_field.jpg",
    "motorcycle_left.png",
    "brick.png",
];

/// The encoded bytes of [`BENCH_IMAGES`], or `None` (with a note) when
/// `third_party/images` has not been filled.
pub fn bench_images() -> Option<Vec<Vec<u8>>> {
    let dir = repo_root().join("third_party/images");
    let out: Option<Vec<Vec<u8>>> = BENCH_IMAGES
        .iter()
        .map(|n| std::fs::read(dir.join(n)).ok())
        .collect();
    if out.is_none() {
        eprintln!(
            "skipping image benchmarks: {} not filled (run scripts/setup.sh)",
            dir.display()
        );
    }
    out
}

/// `n` deterministic pseudo-random unit vectors of `dim` (xorshift from
/// `seed`), the store benchmarks' data.
pub fn unit_vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut s = seed.max(1);
    (0..n)
        .map(|_| {
            let mut v: Vec<f32> = (0..dim)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}
