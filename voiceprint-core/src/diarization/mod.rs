//! Diarization data: who spoke when ([`Diarization`], [`Segment`],
//! [`Speaker`]), read and written as RTTM and JSON; subtitles (SRT) as input;
//! the diarization error rate to score a result against a reference.

mod json;
mod metrics;
mod result;
mod rttm;
mod srt;

pub use metrics::{corpus_der, diarization_error_rate, DerComponents, DerReport, SpeakerTurn};
pub use result::{Diarization, KnownVoice, Segment, Speaker};
pub use rttm::{parse_rttm, read_rttm, turns_by_file, RttmTurn};
pub use srt::{parse_srt, read_srt, subtitles_from_spans, Subtitle};
