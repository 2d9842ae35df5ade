//! Shared helpers for voiceprint's cross-crate tests: where the real data
//! and the models are, and how to skip cleanly when they are absent.

use std::path::{Path, PathBuf};

use voiceprint_core::runtime::RuntimeConfig;

/// The repository root (this crate lives in `<root>/tests`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// True under CI, where missing data or models are failures, not skips.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Returns `Some(path)` when it exists; otherwise prints why the test is
/// skipped and returns `None` (or panics under CI, which must have it).
pub fn require(path: PathBuf, what: &str, how: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let msg = format!("{what} not found at {}; {how}", path.display());
    if in_ci() {
        panic!("CI must have it: {msg}");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// `../shared/data/librispeech-train-clean-100` beside the checkout.
pub fn librispeech_dir() -> Option<PathBuf> {
    require(
        repo_root().join("../shared/data/librispeech-train-clean-100"),
        "LibriSpeech test data",
        "it is provided beside the checkout as ../shared/data (see its README)",
    )
}

/// A model file made by `scripts/setup.sh` under `models/`.
pub fn setup_model(name: &str) -> Option<PathBuf> {
    require(
        repo_root().join("models").join(name),
        "model",
        "run scripts/setup.sh first",
    )
}

/// A test fixture committed under `voiceprint-core/tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    repo_root().join("voiceprint-core/tests/fixtures").join(rel)
}

/// Runtime settings for tests: the library from the setup folder or the
/// environment, with the thread count from `VOICEPRINT_TEST_THREADS`.
pub fn runtime() -> RuntimeConfig {
    let threads = std::env::var("VOICEPRINT_TEST_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    RuntimeConfig {
        intra_op_threads: threads,
        ..RuntimeConfig::default()
    }
}

/// LibriSpeech utterances (path, speaker id, sex) sorted by file name.
pub fn librispeech_utterances(dir: &Path) -> Vec<(PathBuf, String, char)> {
    let sexes = std::fs::read_to_string(dir.join("SPEAKERS.TXT")).unwrap_or_default();
    let sex_of = |spk: &str| {
        sexes
            .lines()
            .filter(|l| !l.starts_with(';'))
            .find_map(|l| {
                let mut cols = l.split('|').map(str::trim);
                (cols.next()? == spk).then(|| cols.next()?.chars().next())?
            })
            .unwrap_or('?')
    };
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "flac"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let spk = name.split('-').next()?.to_string();
            let sex = sex_of(&spk);
            Some((p, spk, sex))
        })
        .collect();
    out.sort();
    out
}
