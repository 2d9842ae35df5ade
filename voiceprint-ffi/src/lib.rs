//! libvoiceprint: the C ABI of voiceprint, a thin layer over `voiceprint-core`.
//!
//! Each file wraps one core concept and holds no logic of its own: it
//! checks and converts the C arguments, calls core, and converts the result
//! or the error. The header `include/voiceprint.h` is generated from these
//! sources by cbindgen (`voiceprint-ffi/cbindgen.toml`).
//!
//! Conventions, the same for every function (they follow rustls-ffi and
//! wasmtime's C API):
//! - Fallible functions return a `vp_status` (0 = `VP_STATUS_OK`) and write
//!   results through out-pointers; `vp_last_error_message()` gives the
//!   calling thread's last message. Pointer outs are set to NULL first, so
//!   a failed call leaves nothing to free.
//! - Handles (`vp_speaker_encoder`, `vp_store`, `vp_engine`, `vp_vad`,
//!   `vp_diarizer`, `vp_gender_classifier`, `vp_image_encoder`,
//!   `vp_image_index`, `vp_style_index`) are opaque, made by a
//!   constructor and freed by their `_free`, which accepts NULL.
//! - Results the library allocates (`vp_embedding`, `vp_matches`,
//!   `vp_speaker`, `vp_diarization`, `vp_subtitles`, `vp_image_record`, `vp_image_tensor`, `vp_string_list`,
//!   `vp_style_analysis`, `vp_style_comparison`, `vp_style_matches`, ...) are freed by their own `_free`.
//! - Strings in are borrowed, NUL-terminated UTF-8; buffers in are borrowed
//!   for the duration of the call only.
//! - Every entry point checks its pointers and strings and catches panics:
//!   nothing unwinds into C, bad input is a status, never a crash.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod args;
mod owned;

pub mod audio_input;
pub mod diarization;
pub mod diarizer;
pub mod embedding;
pub mod encoder;
pub mod engine;
pub mod error;
pub mod gender;
pub mod image_encoder;
pub mod image_index;
pub mod image_input;
pub mod image_profile;
pub mod image_record;
pub mod image_tensor;
pub mod index_options;
pub mod labels;
pub mod matches;
pub mod runtime;
pub mod score;
pub mod speaker;
pub mod status;
pub mod store;
pub mod strings;
pub mod style;
pub mod subtitles;
pub mod vad;
