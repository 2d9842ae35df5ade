//! voiceprint-core: speaker voiceprints and image feature vectors, in process.
//!
//! Audio in, L2-normalised embeddings out; a durable vector store; scoring.
//! Modules follow the data flow of the design: input (`audio`, `image`),
//! front ends (`features`), `runtime`, extractors (`embed`), `store`, `score`,
//! and the engines.

pub mod audio;
pub mod error;
pub mod features;

pub use audio::{Audio, DecodeOptions};
pub use error::{Error, ErrorKind, Result};
pub mod runtime;
pub mod embed;
pub mod engine;
pub mod score;
pub mod store;
pub mod vad;
