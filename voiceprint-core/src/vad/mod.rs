//! Voice activity detection: where the speech is. Silero VAD (ONNX) gives a
//! speech probability per 32 ms; `segments` turns those into speech spans;
//! `join` joins the kept speech for a speaker encoder.

mod join;
mod segments;
mod silero;

pub use join::join_speech;
pub use segments::{speech_segments, SpeechSegment, VadOptions};
pub use silero::SileroVad;
