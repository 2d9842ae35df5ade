use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, Result};

/// Where a candidate ONNX Runtime library came from, for messages and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryCandidate {
    /// What pointed at it (`config`, `VOICEPRINT_ORT_LIB`, `ORT_DYLIB_PATH`,
    /// `setup folder`, `python onnxruntime`).
    pub source: &'static str,
    /// The library file.
    pub path: PathBuf,
}

/// Shared-library file names of ONNX Runtime on this platform, most specific first.
#[cfg(target_os = "linux")]
const LIB_PREFIXES: &[&str] = &["libonnxruntime.so"];
#[cfg(target_os = "macos")]
const LIB_PREFIXES: &[&str] = &["libonnxruntime"];
#[cfg(target_os = "windows")]
const LIB_PREFIXES: &[&str] = &["onnxruntime.dll"];
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const LIB_PREFIXES: &[&str] = &["libonnxruntime"];

/// The folder `scripts/setup.sh` fills, as seen from this crate's sources.
/// Only meaningful for builds from a checkout; harmless elsewhere.
const SETUP_LIB_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../third_party/onnxruntime/lib"
);

/// Finds `libonnxruntime`, in this order:
///
/// 1. `explicit` (from [`RuntimeConfig::library_path`](super::RuntimeConfig)),
/// 2. the `VOICEPRINT_ORT_LIB` environment variable,
/// 3. the `ORT_DYLIB_PATH` environment variable (the `ort` crate's own),
/// 4. `third_party/onnxruntime/lib` of a checkout, filled by `scripts/setup.sh`,
/// 5. the library inside an installed Python `onnxruntime` or
///    `onnxruntime-gpu` package (found through `$VIRTUAL_ENV`, then `python3`).
///
/// A path that is given (1-3) but does not exist is an error rather than a
/// reason to look further: a typo should not silently load another library.
/// Each of 1-3 may name the library file or the folder holding it.
pub fn locate_onnxruntime(explicit: Option<&Path>) -> Result<LibraryCandidate> {
    let mut searched = Vec::new();
    let given = [
        ("config", explicit.map(Path::to_path_buf)),
        ("VOICEPRINT_ORT_LIB", env_path("VOICEPRINT_ORT_LIB")),
        ("ORT_DYLIB_PATH", env_path("ORT_DYLIB_PATH")),
    ];
    for (source, path) in given {
        if let Some(path) = path {
            return match resolve(&path) {
                Some(path) => Ok(LibraryCandidate { source, path }),
                None => Err(Error::RuntimeNotFound {
                    searched: format!(
                        "{source} = {} (no ONNX Runtime library there)",
                        path.display()
                    ),
                }),
            };
        }
        searched.push(format!("{source} (unset)"));
    }

    let setup_dir = PathBuf::from(SETUP_LIB_DIR);
    if let Some(path) = resolve(&setup_dir) {
        return Ok(LibraryCandidate {
            source: "setup folder",
            path,
        });
    }
    searched.push(setup_dir.display().to_string());

    for dir in python_capi_dirs() {
        if let Some(path) = resolve(&dir) {
            return Ok(LibraryCandidate {
                source: "python onnxruntime",
                path,
            });
        }
        searched.push(dir.display().to_string());
    }
    searched.push("python3 -c 'import onnxruntime' (not installed)".to_string());
    Err(Error::RuntimeNotFound {
        searched: searched.join(", "),
    })
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A library file as is, or the best-named library inside a folder.
fn resolve(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    if !path.is_dir() {
        return None;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| LIB_PREFIXES.iter().any(|pre| n.starts_with(pre)))
                && p.is_file()
        })
        .collect();
    // Prefer the fully versioned file (libonnxruntime.so.1.32.0) over the
    // bare link, so the reported path names the version that is loaded.
    found.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
    found.into_iter().next()
}

/// `onnxruntime/capi` folders of Python installs that may hold the library.
fn python_capi_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(venv) = env_path("VIRTUAL_ENV") {
        for lib in ["lib", "lib64"] {
            if let Ok(entries) = std::fs::read_dir(venv.join(lib)) {
                for e in entries.flatten() {
                    dirs.push(e.path().join("site-packages/onnxruntime/capi"));
                }
            }
        }
        dirs.push(venv.join("Lib/site-packages/onnxruntime/capi"));
    }
    // Ask the interpreter itself; covers system, user and conda installs.
    // `onnxruntime-gpu` installs the same `onnxruntime` import package.
    for python in ["python3", "python"] {
        let out = Command::new(python)
            .args([
                "-c",
                "import importlib.util as u, os; s = u.find_spec('onnxruntime'); \
                 print(os.path.join(os.path.dirname(s.origin), 'capi') if s and s.origin else '')",
            ])
            .output();
        if let Ok(out) = out {
            let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !text.is_empty() {
                dirs.push(PathBuf::from(text));
                break;
            }
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_missing_path_is_an_error_naming_it() {
        let err =
            locate_onnxruntime(Some(Path::new("/nonexistent/libonnxruntime.so"))).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/nonexistent/libonnxruntime.so"), "{msg}");
        assert!(msg.contains("VOICEPRINT_ORT_LIB"), "{msg}");
    }

    #[test]
    fn folder_resolves_to_versioned_library() {
        let dir = tempfile::tempdir().unwrap();
        let name = LIB_PREFIXES[0];
        std::fs::write(dir.path().join(name), b"").unwrap();
        std::fs::write(dir.path().join(format!("{name}.1.32.0")), b"").unwrap();
        std::fs::write(dir.path().join("unrelated.txt"), b"").unwrap();
        let found = locate_onnxruntime(Some(dir.path())).unwrap();
        assert_eq!(found.source, "config");
        assert!(found.path.to_string_lossy().ends_with(".1.32.0"));
    }
}
