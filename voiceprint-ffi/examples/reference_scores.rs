//! The Rust API's twin of `examples/cpp/identify_speakers.cpp`: enrol every
//! `<speaker>-enroll.*` clip of a folder, identify each `<speaker>-test.*`
//! clip, and print the scores in the C++ example's format, so that
//! `scripts/test_ffi.sh` can check that C++ through libvoiceprint and Rust
//! through voiceprint-core give the same scores.
//!
//! ```text
//! cargo run -p voiceprint-ffi --example reference_scores -- [-p PRESET] MODEL AUDIO_DIR
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use voiceprint_core::embed::{AudioInput, OnnxSpeakerEncoder, SpeakerEncoder};
use voiceprint_core::engine::Voiceprints;
use voiceprint_core::runtime::RuntimeConfig;
use voiceprint_core::store::MemoryStore;

/// Clips in `dir` whose names contain `marker`, sorted.
fn clips(dir: &Path, marker: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_file() && name.contains(marker) {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// `103-enroll.flac` -> `103`.
fn speaker_of(clip: &Path) -> String {
    let name = file_name(clip);
    match name.rfind('-') {
        Some(i) => name[..i].to_string(),
        None => name,
    }
}

fn file_name(clip: &Path) -> String {
    clip.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn run(preset: &str, model: &Path, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let encoder = Arc::new(OnnxSpeakerEncoder::from_preset(
        model,
        preset,
        &RuntimeConfig::default(),
    )?);
    let store = Arc::new(MemoryStore::new(encoder.model_id(), encoder.dim())?);
    let engine = Voiceprints::new(encoder, store)?;
    let enroll = clips(dir, "-enroll.")?;
    for clip in &enroll {
        engine.enroll(&speaker_of(clip), &[AudioInput::Path(clip)])?;
        println!("enrolled {} from {}", speaker_of(clip), file_name(clip));
    }
    for clip in clips(dir, "-test.")? {
        let who = engine.identify(AudioInput::Path(&clip), enroll.len(), None, None)?;
        let best = who
            .best
            .as_ref()
            .map(|m| m.id.as_str())
            .unwrap_or("unknown");
        println!(
            "{}: {} (threshold {:.2})",
            file_name(&clip),
            best,
            who.threshold
        );
        for m in &who.matches {
            println!("  {} {:.6}", m.id, m.score);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut preset = "ge2e-resemblyzer".to_string();
    if args.len() > 2 && args[0] == "-p" {
        preset = args.remove(1);
        args.remove(0);
    }
    let [model, dir] = args.as_slice() else {
        eprintln!("usage: reference_scores [-p PRESET] MODEL AUDIO_DIR");
        return ExitCode::from(2);
    };
    match run(&preset, Path::new(model), Path::new(dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
