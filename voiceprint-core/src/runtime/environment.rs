use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use parking_lot::Mutex;

use super::{locate_onnxruntime, RuntimeConfig};
use crate::{Error, Result};

/// The process's ONNX Runtime: the loaded library and its environment.
///
/// A process can hold one ONNX Runtime library; the first model loaded (or
/// the first call of [`Runtime::init`]) decides which. It is shared by every
/// model and thread.
#[derive(Debug)]
pub struct Runtime {
    env: ort::environment::Environment,
    library: PathBuf,
    source: &'static str,
    version: String,
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

impl Runtime {
    /// Loads ONNX Runtime as `config` says, once per process, and returns it.
    ///
    /// Later calls return the runtime already loaded; asking for a different
    /// library file then is an error ([`Error::RuntimeInit`]), since two
    /// ONNX Runtimes cannot live in one process.
    pub fn init(config: &RuntimeConfig) -> Result<&'static Runtime> {
        if let Some(rt) = RUNTIME.get() {
            return rt.check_same_library(config);
        }
        let _guard = INIT_LOCK.lock();
        if let Some(rt) = RUNTIME.get() {
            return rt.check_same_library(config);
        }
        let found = locate_onnxruntime(config.library_path.as_deref())?;
        let path_text = found.path.display().to_string();
        let builder = ort::init_from(&found.path).map_err(|e| Error::RuntimeInit {
            path: path_text.clone(),
            detail: format!(
                "{e}; voiceprint needs ONNX Runtime 1.22 or newer (pip install onnxruntime)"
            ),
        })?;
        let env = builder
            .with_name("voiceprint")
            .build()
            .map_err(|e| Error::RuntimeInit {
                path: path_text.clone(),
                detail: e.to_string(),
            })?;
        let version = parse_version(ort::info())
            .or_else(|| {
                // The wheel's `libonnxruntime.so` may be a link to the versioned file.
                let real = found
                    .path
                    .canonicalize()
                    .unwrap_or_else(|_| found.path.clone());
                version_from_file_name(&real)
            })
            .unwrap_or_else(|| "unknown".to_string());
        tracing::info!(
            "loaded ONNX Runtime {version} from {path_text} ({})",
            found.source
        );
        let rt = Runtime {
            env,
            library: found.path,
            source: found.source,
            version,
        };
        Ok(RUNTIME.get_or_init(|| rt))
    }

    /// The runtime if one is loaded already.
    pub fn get() -> Option<&'static Runtime> {
        RUNTIME.get()
    }

    /// The library file that was loaded.
    pub fn library_path(&self) -> &Path {
        &self.library
    }

    /// What pointed at the library (`config`, `VOICEPRINT_ORT_LIB`, ...).
    pub fn library_source(&self) -> &'static str {
        self.source
    }

    /// ONNX Runtime's version, e.g. `1.32.0`.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub(crate) fn environment(&self) -> &ort::environment::Environment {
        &self.env
    }

    fn check_same_library(&'static self, config: &RuntimeConfig) -> Result<&'static Runtime> {
        if let Some(wanted) = &config.library_path {
            let same = match (wanted.canonicalize(), self.library.canonicalize()) {
                (Ok(a), Ok(b)) => a == b || b.starts_with(&a),
                _ => false,
            };
            if !same {
                return Err(Error::RuntimeInit {
                    path: wanted.display().to_string(),
                    detail: format!(
                        "ONNX Runtime is already loaded from {} in this process; one library per process",
                        self.library.display()
                    ),
                });
            }
        }
        Ok(self)
    }
}

/// Library version and where it came from, or `None` before the first model loads.
pub fn runtime_info() -> Option<(String, PathBuf)> {
    Runtime::get().map(|rt| (rt.version.clone(), rt.library.clone()))
}

/// `ort::info()` reads like `ORT Build Info: git-branch=rel-1.32.0, ...`.
fn parse_version(info: &str) -> Option<String> {
    let branch = info.split("git-branch=").nth(1)?;
    let v = branch.split([',', ' ']).next()?.trim_start_matches("rel-");
    v.chars()
        .next()
        .filter(char::is_ascii_digit)
        .map(|_| v.to_string())
}

fn version_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let v = name.split(".so.").nth(1)?;
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_build_info_and_file_names() {
        assert_eq!(
            parse_version("ORT Build Info: git-branch=rel-1.32.0, git-commit-id=abc").as_deref(),
            Some("1.32.0")
        );
        assert_eq!(parse_version("nothing here"), None);
        assert_eq!(
            version_from_file_name(Path::new("/x/libonnxruntime.so.1.32.0")).as_deref(),
            Some("1.32.0")
        );
    }
}
