//! RTTM (Rich Transcription Time Marked), the file format of diarization
//! references and results, as defined in appendix A of the NIST RT-09
//! evaluation plan and written by pyannote, DIHARD and VoxConverse:
//!
//! ```text
//! SPEAKER <file-id> <channel> <start> <duration> <NA> <NA> <speaker> <NA> <NA>
//! ```
//!
//! Fields are separated by whitespace, so neither a file id nor a speaker
//! name can contain any.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::result::Diarization;
use crate::{Error, Result};

const WHAT: &str = "RTTM";

/// One `SPEAKER` record of an RTTM file: a turn of one speaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RttmTurn {
    /// The file (recording) the turn is in: RTTM's second field.
    pub file_id: String,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds (start plus the record's duration).
    pub end: f64,
    /// The speaker's name.
    pub speaker: String,
}

/// Parses RTTM text into its `SPEAKER` turns, in file order.
///
/// Blank lines and `;;` comment lines are skipped, and so are records of
/// other types (`SPKR-INFO`, `LEXEME`, `NOSCORE`, ...), which say nothing
/// about who spoke when. A `SPEAKER` record needs the nine fields up to the
/// confidence (older RT files end there) or all ten.
///
/// Errors: [`Error::Malformed`] with the 1-based line: too few or too many
/// fields, a start or duration that is not a number, negative or not
/// finite, a speaker name of `<NA>`.
///
/// ```
/// use voiceprint_core::diarization::parse_rttm;
/// let turns = parse_rttm(";; reference\nSPEAKER conv01 1 0.500 2.250 <NA> <NA> alice <NA> <NA>\n")?;
/// assert_eq!((turns[0].start, turns[0].end, turns[0].speaker.as_str()), (0.5, 2.75, "alice"));
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn parse_rttm(text: &str) -> Result<Vec<RttmTurn>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut turns = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with(";;") {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields[0] != "SPEAKER" {
            continue;
        }
        if !(9..=10).contains(&fields.len()) {
            return Err(malformed(
                n,
                format!(
                    "a SPEAKER record has 10 fields (`SPEAKER file channel start duration <NA> <NA> speaker <NA> <NA>`), this one {}",
                    fields.len()
                ),
            ));
        }
        let start = parse_seconds(fields[3], "start").map_err(|r| malformed(n, r))?;
        let duration = parse_seconds(fields[4], "duration").map_err(|r| malformed(n, r))?;
        let speaker = fields[7];
        if speaker == "<NA>" {
            return Err(malformed(
                n,
                "a SPEAKER record needs a speaker name, not <NA>",
            ));
        }
        turns.push(RttmTurn {
            file_id: fields[1].to_owned(),
            start,
            end: start + duration,
            speaker: speaker.to_owned(),
        });
    }
    Ok(turns)
}

/// Reads and parses an RTTM file (UTF-8), as [`parse_rttm`].
///
/// Errors: [`Error::Io`] when it cannot be read, [`Error::Malformed`].
pub fn read_rttm(path: impl AsRef<Path>) -> Result<Vec<RttmTurn>> {
    let path = path.as_ref();
    let text = super::text_file::read_utf8(path, WHAT, "not UTF-8 text")?;
    parse_rttm(&text)
}

/// Groups turns by file id (an RTTM file may hold many recordings), each
/// file's turns in the order given.
///
/// ```
/// use voiceprint_core::diarization::{parse_rttm, turns_by_file};
/// let turns = parse_rttm("SPEAKER a 1 0 1 <NA> <NA> x <NA> <NA>\nSPEAKER b 1 0 1 <NA> <NA> y <NA> <NA>\n")?;
/// assert_eq!(turns_by_file(turns).len(), 2);
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn turns_by_file(turns: Vec<RttmTurn>) -> BTreeMap<String, Vec<RttmTurn>> {
    let mut files: BTreeMap<String, Vec<RttmTurn>> = BTreeMap::new();
    for t in turns {
        files.entry(t.file_id.clone()).or_default().push(t);
    }
    files
}

impl Diarization {
    /// The segments as RTTM, one `SPEAKER` line each, in segment order:
    /// `SPEAKER <file_id> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>`
    /// with times in seconds to the millisecond, as pyannote writes it.
    ///
    /// Errors: [`Error::InvalidArgument`] for a `file_id` that is empty or
    /// holds whitespace; [`Error::Malformed`] (`line` = the segment's
    /// 1-based position) for a speaker label that is empty or holds
    /// whitespace (RTTM separates fields by whitespace, so such a name
    /// cannot be written; rename the speaker), or a segment time that is
    /// negative, not finite, or ends before it starts.
    ///
    /// ```
    /// use voiceprint_core::diarization::{Diarization, Segment};
    /// let d = Diarization {
    ///     duration: 3.0,
    ///     speech_seconds: 1.5,
    ///     segments: vec![Segment { start: 0.25, end: 1.75, speaker: "SPEAKER_00".into(),
    ///                              confidence: 0.9, subtitle_index: None }],
    ///     speakers: vec![],
    ///     model_id: "m".into(),
    /// };
    /// assert_eq!(d.to_rttm("conv01")?,
    ///            "SPEAKER conv01 1 0.250 1.500 <NA> <NA> SPEAKER_00 <NA> <NA>\n");
    /// # Ok::<(), voiceprint_core::Error>(())
    /// ```
    pub fn to_rttm(&self, file_id: &str) -> Result<String> {
        if let Some(reason) = field_problem(file_id) {
            return Err(Error::invalid_argument(
                "file_id",
                format!("{file_id:?} cannot be an RTTM file id: it {reason}"),
            ));
        }
        let mut out = String::new();
        for (i, s) in self.segments.iter().enumerate() {
            let n = i + 1;
            if let Some(reason) = field_problem(&s.speaker) {
                return Err(malformed(
                    n,
                    format!(
                        "speaker {:?} of segment {n} cannot be written: it {reason}; rename the speaker",
                        s.speaker
                    ),
                ));
            }
            if !(s.start.is_finite() && s.end.is_finite()) || s.start < 0.0 || s.end < s.start {
                return Err(malformed(
                    n,
                    format!(
                        "segment {n} spans {} to {} s: times must be finite, non-negative and in order",
                        s.start, s.end
                    ),
                ));
            }
            // Infallible: fmt::Write for String never fails.
            let _ = writeln!(
                out,
                "SPEAKER {file_id} 1 {:.3} {:.3} <NA> <NA> {} <NA> <NA>",
                s.start,
                s.end - s.start,
                s.speaker
            );
        }
        Ok(out)
    }

    /// Writes [`to_rttm`](Self::to_rttm) to a file (replacing it).
    ///
    /// Errors: those of `to_rttm`, [`Error::Io`].
    pub fn write_rttm(&self, path: impl AsRef<Path>, file_id: &str) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_rttm(file_id)?;
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }
}

fn malformed(line: usize, reason: impl Into<String>) -> Error {
    Error::malformed(WHAT, line, reason)
}

/// Why `s` cannot be one whitespace-delimited RTTM field, if it cannot.
fn field_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("is empty")
    } else if s.chars().any(char::is_whitespace) {
        Some("contains whitespace")
    } else {
        None
    }
}

fn parse_seconds(field: &str, name: &str) -> std::result::Result<f64, String> {
    let v: f64 = field
        .parse()
        .map_err(|_| format!("{name} {field:?} is not a number of seconds"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!(
            "{name} {field} must be a finite, non-negative number of seconds"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diarization::{KnownVoice, Segment, Speaker};
    use crate::ErrorKind;
    use proptest::prelude::*;

    fn segment(start: f64, end: f64, speaker: &str) -> Segment {
        Segment {
            start,
            end,
            speaker: speaker.into(),
            confidence: 0.75,
            subtitle_index: None,
        }
    }

    fn diarization(segments: Vec<Segment>) -> Diarization {
        Diarization {
            duration: 10.0,
            speech_seconds: 4.0,
            segments,
            speakers: vec![Speaker {
                label: "alice".into(),
                speech_seconds: 2.5,
                turns: 2,
                centroid: vec![0.6, 0.8],
                gender: None,
                female_probability: Some(0.25),
                median_f0_hz: Some(180.5),
                known: Some(KnownVoice {
                    id: "alice".into(),
                    score: 0.8125,
                }),
                best_candidate: None,
            }],
            model_id: "ge2e".into(),
        }
    }

    fn line_of(e: Error) -> usize {
        match e {
            Error::Malformed { what, line, .. } => {
                assert_eq!(what, "RTTM");
                line
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn writes_one_line_per_segment() {
        let d = diarization(vec![
            segment(0.0, 1.5, "alice"),
            segment(1.25, 3.0004, "bob"),
        ]);
        assert_eq!(
            d.to_rttm("f").unwrap(),
            "SPEAKER f 1 0.000 1.500 <NA> <NA> alice <NA> <NA>\n\
             SPEAKER f 1 1.250 1.750 <NA> <NA> bob <NA> <NA>\n"
        );
        assert_eq!(diarization(vec![]).to_rttm("f").unwrap(), "");
    }

    #[test]
    fn rttm_round_trip() {
        let d = diarization(vec![
            segment(0.0, 1.5, "alice"),
            segment(1.25, 3.0, "bob"),
            segment(4.125, 9.5, "alice"),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.rttm");
        d.write_rttm(&path, "conv01").unwrap();
        let turns = read_rttm(&path).unwrap();
        assert_eq!(turns.len(), 3);
        for (t, s) in turns.iter().zip(&d.segments) {
            assert_eq!(t.file_id, "conv01");
            assert_eq!(t.speaker, s.speaker);
            assert!((t.start - s.start).abs() < 1e-9);
            assert!((t.end - s.end).abs() < 1e-9);
        }
    }

    #[test]
    fn refuses_unwritable_names() {
        let d = diarization(vec![segment(0.0, 1.0, "a"), segment(1.0, 2.0, "Mary Ann")]);
        let e = d.to_rttm("f").unwrap_err();
        assert!(e.to_string().contains("whitespace"), "{e}");
        assert_eq!(line_of(e), 2);
        assert_eq!(
            line_of(
                diarization(vec![segment(0.0, 1.0, "")])
                    .to_rttm("f")
                    .unwrap_err()
            ),
            1
        );
        let ok = diarization(vec![segment(0.0, 1.0, "a")]);
        for bad in ["", "my file", "tab\there"] {
            assert_eq!(
                ok.to_rttm(bad).unwrap_err().kind(),
                ErrorKind::InvalidArgument
            );
        }
        for (s, e) in [(-1.0, 1.0), (2.0, 1.0), (0.0, f64::NAN)] {
            assert_eq!(
                line_of(
                    diarization(vec![segment(s, e, "a")])
                        .to_rttm("f")
                        .unwrap_err()
                ),
                1
            );
        }
    }

    #[test]
    fn reads_speaker_records_only() {
        let text = "\u{feff};; comment\n\n  \nSPKR-INFO f 1 <NA> <NA> <NA> unknown a <NA> <NA>\n\
                    SPEAKER\tf 1   0.5 1 <NA> <NA> a <NA> <NA>\r\n\
                    LEXEME f 1 0.5 0.2 hello lex a <NA>\n\
                    SPEAKER g 1 2 0.25 <NA> <NA> b <NA>\n";
        let turns = parse_rttm(text).unwrap();
        assert_eq!(
            turns,
            vec![
                RttmTurn {
                    file_id: "f".into(),
                    start: 0.5,
                    end: 1.5,
                    speaker: "a".into()
                },
                RttmTurn {
                    file_id: "g".into(),
                    start: 2.0,
                    end: 2.25,
                    speaker: "b".into()
                },
            ]
        );
        let files = turns_by_file(turns);
        assert_eq!(files.keys().collect::<Vec<_>>(), ["f", "g"]);
    }

    #[test]
    fn refuses_malformed_speaker_records() {
        let good = "SPEAKER f 1 0 1 <NA> <NA> a <NA> <NA>\n";
        for bad in [
            "SPEAKER f 1 0 1 <NA> <NA> a",
            "SPEAKER f 1 0 1 <NA> <NA> a <NA> <NA> extra",
            "SPEAKER f 1 zero 1 <NA> <NA> a <NA> <NA>",
            "SPEAKER f 1 0 one <NA> <NA> a <NA> <NA>",
            "SPEAKER f 1 -1 1 <NA> <NA> a <NA> <NA>",
            "SPEAKER f 1 0 -0.5 <NA> <NA> a <NA> <NA>",
            "SPEAKER f 1 NaN 1 <NA> <NA> a <NA> <NA>",
            "SPEAKER f 1 0 inf <NA> <NA> a <NA> <NA>",
            "SPEAKER f 1 0 1 <NA> <NA> <NA> <NA> <NA>",
        ] {
            let e = parse_rttm(&format!("{good};; x\n{bad}\n")).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed);
            assert_eq!(line_of(e), 3, "{bad}");
        }
    }

    #[test]
    fn read_rttm_reports_io() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_rttm(dir.path().join("none.rttm")).unwrap_err().kind(),
            ErrorKind::Io
        );
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = parse_rttm(&text);
        }

        #[test]
        fn rttm_like_text_never_panics(text in "(SPEAKER|;;|SPKR-INFO)?( [a-z0-9.<>NA-]{0,6}){0,12}\n?") {
            let _ = parse_rttm(&text);
        }

        #[test]
        fn written_segments_read_back(
            spans in proptest::collection::vec((0u32..10_000_000, 0u32..100_000, 0usize..3), 0..10)
        ) {
            let names = ["a", "SPEAKER_01", "bob-2"];
            let segments: Vec<Segment> = spans
                .iter()
                .map(|&(s, l, k)| segment(s as f64 / 1000.0, (s + l) as f64 / 1000.0, names[k]))
                .collect();
            let d = diarization(segments);
            let turns = parse_rttm(&d.to_rttm("x").unwrap()).unwrap();
            prop_assert_eq!(turns.len(), d.segments.len());
            for (t, s) in turns.iter().zip(&d.segments) {
                prop_assert!((t.start - s.start).abs() < 1e-6);
                prop_assert!((t.end - s.end).abs() < 1e-6);
                prop_assert_eq!(&t.speaker, &s.speaker);
            }
        }
    }
}
