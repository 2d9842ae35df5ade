//! Voice activity detection: where the speech is. Silero VAD (ONNX) gives a
//! speech probability per 32 ms; `segments` turns those into speech spans.

mod segments;
mod silero;

pub use segments::{speech_segments, SpeechSegment, VadOptions};
pub use silero::SileroVad;
