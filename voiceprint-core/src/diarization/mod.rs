//! Diarization data: who spoke when ([`Diarization`], [`Segment`],
//! [`Speaker`]), read and written as RTTM and JSON; subtitles (SRT) as input;
//! the diarization error rate to score a result against a reference; and
//! the pure steps of the diarizer (windows, turns, edge refinement).

mod json;
mod metrics;
mod resegment;
mod result;
mod rttm;
mod srt;
mod text_file;
mod windows;

pub use metrics::{corpus_der, diarization_error_rate, DerComponents, DerReport, SpeakerTurn};
pub use resegment::{
    bridge_gaps, extend_to_floor, frame_energies_db, noise_floor_db, turns_from_windows, Turn,
};
pub use result::{Diarization, KnownVoice, Segment, Speaker};
pub use rttm::{parse_rttm, read_rttm, turns_by_file, RttmTurn};
pub use srt::{parse_srt, read_srt, subtitles_from_spans, Subtitle};
pub use windows::{plan_windows, Window};
