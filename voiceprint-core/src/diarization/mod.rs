//! Diarization data: who spoke when ([`Diarization`], [`Segment`],
//! [`Speaker`]), read and written as RTTM and JSON; subtitles (SRT) as input;
//! the diarization error rate to score a result against a reference.

mod result;
mod srt;

pub use result::{Diarization, KnownVoice, Segment, Speaker};
pub use srt::{parse_srt, read_srt, subtitles_from_spans, Subtitle};
