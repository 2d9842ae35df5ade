//! ONNX Runtime, loaded dynamically: finding the shared library, choosing an
//! execution provider, and one thread-safe session per model.

mod config;
mod environment;
mod locate;
mod model;
mod provider;

pub use config::RuntimeConfig;
pub use environment::{runtime_info, Runtime};
pub use locate::{locate_onnxruntime, LibraryCandidate};
pub use model::{InputTensor, Model, TensorInfo};
pub use provider::ExecutionProvider;
