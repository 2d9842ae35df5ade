use std::fmt;
use std::str::FromStr;

use crate::{Error, Result};

/// The hardware a model runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExecutionProvider {
    /// ONNX Runtime's CPU provider; always available.
    #[default]
    Cpu,
    /// NVIDIA CUDA (needs the `cuda` cargo feature and `onnxruntime-gpu`).
    Cuda {
        /// GPU index.
        device_id: i32,
    },
    /// NVIDIA TensorRT (needs the `tensorrt` cargo feature).
    TensorRt {
        /// GPU index.
        device_id: i32,
    },
}

impl fmt::Display for ExecutionProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecutionProvider::Cpu => f.write_str("cpu"),
            ExecutionProvider::Cuda { device_id } => write!(f, "cuda:{device_id}"),
            ExecutionProvider::TensorRt { device_id } => write!(f, "tensorrt:{device_id}"),
        }
    }
}

impl FromStr for ExecutionProvider {
    type Err = Error;

    /// Parses `cpu`, `cuda`, `cuda:1`, `tensorrt`, `tensorrt:0`.
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        let (name, device) = match lower.split_once(':') {
            Some((name, dev)) => {
                let id = dev.parse::<i32>().map_err(|_| {
                    Error::invalid_argument("provider", format!("bad device index in {s:?}"))
                })?;
                (name.to_string(), id)
            }
            None => (lower.clone(), 0),
        };
        match name.as_str() {
            "cpu" => Ok(ExecutionProvider::Cpu),
            "cuda" | "gpu" => Ok(ExecutionProvider::Cuda { device_id: device }),
            "tensorrt" | "trt" => Ok(ExecutionProvider::TensorRt { device_id: device }),
            _ => Err(Error::invalid_argument(
                "provider",
                format!("unknown execution provider {s:?}; use cpu, cuda[:N] or tensorrt[:N]"),
            )),
        }
    }
}

/// Registers `provider` on a session builder. Returns the builder and the
/// provider actually in use: when a GPU provider cannot start (feature not
/// compiled in, no driver, no GPU) the builder is returned unchanged with
/// [`ExecutionProvider::Cpu`] and a warning is logged.
pub(crate) fn register(
    builder: ort::session::builder::SessionBuilder,
    provider: ExecutionProvider,
) -> (ort::session::builder::SessionBuilder, ExecutionProvider) {
    match provider {
        ExecutionProvider::Cpu => (builder, ExecutionProvider::Cpu),
        ExecutionProvider::Cuda { device_id } => register_cuda(builder, device_id),
        ExecutionProvider::TensorRt { device_id } => register_tensorrt(builder, device_id),
    }
}

#[cfg(feature = "cuda")]
fn register_cuda(
    builder: ort::session::builder::SessionBuilder,
    device_id: i32,
) -> (ort::session::builder::SessionBuilder, ExecutionProvider) {
    let ep = ort::ep::CUDA::default()
        .with_device_id(device_id)
        .build()
        .error_on_failure();
    let fallback = builder.clone();
    match builder.with_execution_providers([ep]) {
        Ok(b) => (b, ExecutionProvider::Cuda { device_id }),
        Err(e) => {
            tracing::warn!("CUDA execution provider unavailable ({e}); falling back to CPU");
            (fallback, ExecutionProvider::Cpu)
        }
    }
}

#[cfg(not(feature = "cuda"))]
fn register_cuda(
    builder: ort::session::builder::SessionBuilder,
    _device_id: i32,
) -> (ort::session::builder::SessionBuilder, ExecutionProvider) {
    tracing::warn!(
        "CUDA requested but voiceprint-core was built without the `cuda` feature; running on CPU"
    );
    (builder, ExecutionProvider::Cpu)
}

#[cfg(feature = "tensorrt")]
fn register_tensorrt(
    builder: ort::session::builder::SessionBuilder,
    device_id: i32,
) -> (ort::session::builder::SessionBuilder, ExecutionProvider) {
    let ep = ort::ep::TensorRT::default()
        .with_device_id(device_id)
        .build()
        .error_on_failure();
    let fallback = builder.clone();
    match builder.with_execution_providers([ep]) {
        Ok(b) => (b, ExecutionProvider::TensorRt { device_id }),
        Err(e) => {
            tracing::warn!("TensorRT execution provider unavailable ({e}); falling back to CPU");
            (fallback, ExecutionProvider::Cpu)
        }
    }
}

#[cfg(not(feature = "tensorrt"))]
fn register_tensorrt(
    builder: ort::session::builder::SessionBuilder,
    _device_id: i32,
) -> (ort::session::builder::SessionBuilder, ExecutionProvider) {
    tracing::warn!(
        "TensorRT requested but voiceprint-core was built without the `tensorrt` feature; running on CPU"
    );
    (builder, ExecutionProvider::Cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_provider_names() {
        assert_eq!(
            "cpu".parse::<ExecutionProvider>().unwrap(),
            ExecutionProvider::Cpu
        );
        assert_eq!(
            "CUDA:1".parse::<ExecutionProvider>().unwrap(),
            ExecutionProvider::Cuda { device_id: 1 }
        );
        assert_eq!(
            "tensorrt".parse::<ExecutionProvider>().unwrap(),
            ExecutionProvider::TensorRt { device_id: 0 }
        );
        assert!("tpu".parse::<ExecutionProvider>().is_err());
        assert!("cuda:x".parse::<ExecutionProvider>().is_err());
        for p in [
            ExecutionProvider::Cpu,
            ExecutionProvider::Cuda { device_id: 2 },
        ] {
            assert_eq!(p.to_string().parse::<ExecutionProvider>().unwrap(), p);
        }
    }
}
