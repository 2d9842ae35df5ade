//! Finding ONNX Runtime for Python users: the library inside the installed
//! `onnxruntime` (or `onnxruntime-gpu`) package, unless `ort_library=` or
//! `VOICEPRINT_ORT_LIB` / `ORT_DYLIB_PATH` say otherwise.

use std::path::PathBuf;

use pyo3::prelude::*;
use voiceprint_core::runtime::{ExecutionProvider, RuntimeConfig};

use crate::errors::IntoPyResult;

/// The `onnxruntime/capi` folder of the `onnxruntime` package this
/// interpreter imports, if installed.
fn python_onnxruntime_dir(py: Python<'_>) -> Option<PathBuf> {
    let spec = py
        .import("importlib.util")
        .ok()?
        .call_method1("find_spec", ("onnxruntime",))
        .ok()?;
    if spec.is_none() {
        return None;
    }
    let origin: String = spec.getattr("origin").ok()?.extract().ok()?;
    Some(PathBuf::from(origin).parent()?.join("capi"))
}

/// Builds the runtime settings for a model; the library path is the
/// argument, else the environment (left to core), else the Python package.
pub fn config(
    py: Python<'_>,
    provider: &str,
    threads: usize,
    ort_library: Option<PathBuf>,
) -> PyResult<RuntimeConfig> {
    let provider: ExecutionProvider = provider.parse().py()?;
    let env_set = ["VOICEPRINT_ORT_LIB", "ORT_DYLIB_PATH"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let library_path = match ort_library {
        Some(p) => Some(p),
        None if env_set => None,
        None => python_onnxruntime_dir(py).filter(|d| d.is_dir()),
    };
    Ok(RuntimeConfig {
        library_path,
        provider,
        intra_op_threads: threads,
    })
}

/// `(version, library path)` of the loaded ONNX Runtime, or `None` before a model is loaded.
#[pyfunction]
pub fn onnxruntime_info() -> Option<(String, String)> {
    voiceprint_core::runtime::runtime_info().map(|(v, p)| (v, p.display().to_string()))
}
