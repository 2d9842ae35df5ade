//! Diarization data: who spoke when ([`Diarization`], [`Segment`],
//! [`Speaker`]), read and written as RTTM and JSON; subtitles (SRT) as input;
//! the diarization error rate to score a result against a reference.

mod result;

pub use result::{Diarization, KnownVoice, Segment, Speaker};
