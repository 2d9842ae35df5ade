use std::path::PathBuf;

use super::ExecutionProvider;

/// How to start ONNX Runtime and run models.
///
/// ```
/// use voiceprint_core::runtime::{ExecutionProvider, RuntimeConfig};
/// let config = RuntimeConfig { intra_op_threads: 1, ..RuntimeConfig::default() };
/// assert_eq!(config.provider, ExecutionProvider::Cpu);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// Explicit path of `libonnxruntime`; when `None` the library is looked
    /// up as [`locate_onnxruntime`](super::locate_onnxruntime) describes.
    pub library_path: Option<PathBuf>,
    /// Where models run. Providers other than CPU fall back to CPU, with a
    /// logged warning, when they cannot start.
    pub provider: ExecutionProvider,
    /// Threads ONNX Runtime uses inside one operator; 0 lets it choose
    /// (one per physical core).
    pub intra_op_threads: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            library_path: None,
            provider: ExecutionProvider::Cpu,
            intra_op_threads: 0,
        }
    }
}
