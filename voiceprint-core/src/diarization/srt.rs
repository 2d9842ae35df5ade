//! Subtitles (SubRip, `.srt`) as diarization input: in subtitle mode every
//! cue is one segment to attribute to a speaker.
//!
//! SubRip has no formal specification; the format read here is the one
//! every tool writes and Matroska's codec notes (`S_TEXT/UTF8`) describe:
//!
//! ```text
//! 1
//! 00:00:01,600 --> 00:00:04,200
//! First line of text
//! maybe a second
//!
//! 2
//! 00:00:05,900 --> 00:00:07,999 X1:100 X2:600 Y1:50 Y2:80
//! Next cue
//! ```
//!
//! The parser is strict about structure (a numeric cue number, a time line,
//! at least one line of text) and lenient about what real files add without
//! changing the meaning: a UTF-8 byte-order mark, CRLF line ends, trailing
//! whitespace, several blank lines between cues, no blank line at the end,
//! `.` instead of `,` before the milliseconds, and the `X1:… X2:… Y1:… Y2:…`
//! position suffix of the time line (kept by neither the parser nor
//! diarization).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

const WHAT: &str = "SRT";

/// SubRip's time line holds two-digit hours: 100 hours or more cannot be
/// written and is taken as a corrupt file, not as a very long film.
const MAX_HOURS: u64 = 99;

/// One subtitle cue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subtitle {
    /// The cue number as written in the file (1-based by convention).
    pub index: u32,
    /// Start, seconds from the beginning of the audio.
    pub start: f64,
    /// End, seconds (`end >= start`).
    pub end: f64,
    /// The text, its lines joined with `\n` (markup such as `<i>` kept);
    /// empty for cues made by [`subtitles_from_spans`].
    pub text: String,
}

/// Parses the text of an SRT file.
///
/// Errors: [`Error::Malformed`] with the 1-based line to fix: a cue number
/// that is not a number, a cue without a time line or without text, a time
/// that is not `HH:MM:SS,mmm`, negative, or 100 hours or more, a cue that
/// ends before it starts, two cues not separated by a blank line.
///
/// ```
/// use voiceprint_core::diarization::parse_srt;
/// let cues = parse_srt("1\r\n00:00:01,500 --> 00:00:03,000\r\nHello\r\n")?;
/// assert_eq!((cues[0].start, cues[0].end, cues[0].text.as_str()), (1.5, 3.0, "Hello"));
/// assert!(parse_srt("1\nHello\n").is_err());
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn parse_srt(text: &str) -> Result<Vec<Subtitle>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `str::lines` ends lines at `\n` and drops a `\r` before it (CRLF);
    // trailing whitespace carries no meaning in SubRip.
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let mut cues = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let index_line = i + 1;
        let index = parse_index(lines[i]).map_err(|reason| malformed(index_line, reason))?;
        i += 1;
        let Some(time) = lines.get(i).filter(|l| !l.is_empty()) else {
            return Err(malformed(
                index_line,
                format!("cue {index} has no time line (`HH:MM:SS,mmm --> HH:MM:SS,mmm`) after its number"),
            ));
        };
        let (start, end) = parse_time_line(time).map_err(|reason| {
            malformed(
                i + 1,
                format!(
                    "after cue number {index}: {reason} (expected `HH:MM:SS,mmm --> HH:MM:SS,mmm`)"
                ),
            )
        })?;
        i += 1;
        let mut text_lines = Vec::new();
        while let Some(line) = lines.get(i).filter(|l| !l.is_empty()) {
            // A time line inside the text means the blank line before the
            // next cue is missing; taking it as text would swallow that cue.
            if parse_time_line(line).is_ok() {
                return Err(malformed(
                    i + 1,
                    format!("a time line inside the text of cue {index}: separate cues with a blank line and give each a number"),
                ));
            }
            text_lines.push(*line);
            i += 1;
        }
        if text_lines.is_empty() {
            return Err(malformed(
                i + 1,
                format!("cue {index} has no text (expected at least one line after its time line)"),
            ));
        }
        cues.push(Subtitle {
            index,
            start,
            end,
            text: text_lines.join("\n"),
        });
    }
    Ok(cues)
}

/// Reads and parses an SRT file (UTF-8).
///
/// Errors: [`Error::Io`] when the file cannot be read, [`Error::Malformed`]
/// (also for text that is not UTF-8) as in [`parse_srt`].
pub fn read_srt(path: impl AsRef<Path>) -> Result<Vec<Subtitle>> {
    let path = path.as_ref();
    let text =
        super::text_file::read_utf8(path, WHAT, "not UTF-8 text; convert the file to UTF-8")?;
    parse_srt(&text)
}

/// Cues for callers who have plain `(start, end)` spans in seconds: cue
/// numbers 1..=n in the order given, empty text.
///
/// Errors: [`Error::InvalidArgument`] for a time that is negative or not
/// finite, or a span that ends before it starts.
///
/// ```
/// use voiceprint_core::diarization::subtitles_from_spans;
/// let cues = subtitles_from_spans(&[(0.0, 1.5), (2.0, 4.0)])?;
/// assert_eq!((cues[1].index, cues[1].start), (2, 2.0));
/// # Ok::<(), voiceprint_core::Error>(())
/// ```
pub fn subtitles_from_spans(spans: &[(f64, f64)]) -> Result<Vec<Subtitle>> {
    spans
        .iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            if !(start.is_finite() && end.is_finite()) || start < 0.0 {
                return Err(Error::invalid_argument(
                    "spans",
                    format!("span {i} ({start}, {end}) has a negative or non-finite time"),
                ));
            }
            if end < start {
                return Err(Error::invalid_argument(
                    "spans",
                    format!("span {i} ends at {end} s, before it starts at {start} s"),
                ));
            }
            let index = u32::try_from(i + 1)
                .map_err(|_| Error::invalid_argument("spans", "more than 2^32 - 1 spans"))?;
            Ok(Subtitle {
                index,
                start,
                end,
                text: String::new(),
            })
        })
        .collect()
}

fn malformed(line: usize, reason: impl Into<String>) -> Error {
    Error::malformed(WHAT, line, reason)
}

fn parse_index(line: &str) -> std::result::Result<u32, String> {
    let t = line.trim();
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected a cue number, found {t:?} (is a blank line missing, or a cue number?)"
        ));
    }
    t.parse()
        .map_err(|_| format!("cue number {t} is larger than 4294967295"))
}

/// `start --> end [X1:n X2:n Y1:n Y2:n]`, times in seconds.
fn parse_time_line(line: &str) -> std::result::Result<(f64, f64), String> {
    let mut tokens = line.split_whitespace();
    let (Some(start), Some(arrow), Some(end)) = (tokens.next(), tokens.next(), tokens.next())
    else {
        return Err(format!("{line:?} is not a time line"));
    };
    if arrow != "-->" {
        return Err(format!("{line:?} has no ` --> ` between its two times"));
    }
    let start = parse_time(start)?;
    let end = parse_time(end)?;
    for extra in tokens {
        if !is_position(extra) {
            return Err(format!(
                "unexpected {extra:?} after the end time (only `X1:n X2:n Y1:n Y2:n` positions may follow)"
            ));
        }
    }
    if end < start {
        return Err(format!(
            "the cue ends ({end:.3} s) before it starts ({start:.3} s)"
        ));
    }
    Ok((start, end))
}

/// SubRip's position extension: `X1:100`, `Y2:-5`, ...
fn is_position(token: &str) -> bool {
    let Some((name, value)) = token.split_once(':') else {
        return false;
    };
    matches!(name, "X1" | "X2" | "Y1" | "Y2")
        && value
            .strip_prefix('-')
            .unwrap_or(value)
            .parse::<u32>()
            .is_ok()
}

/// `HH:MM:SS,mmm` (or `.mmm`) in seconds; hours of one or two digits.
fn parse_time(token: &str) -> std::result::Result<f64, String> {
    if token.starts_with('-') {
        return Err(format!("negative time {token:?}"));
    }
    let bad = || format!("{token:?} is not a time `HH:MM:SS,mmm`");
    let (hms, ms) = token.split_once([',', '.']).ok_or_else(bad)?;
    let mut parts = hms.split(':');
    let (Some(h), Some(m), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let field = |f: &str, digits: std::ops::RangeInclusive<usize>| -> Option<u64> {
        (digits.contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()))
            .then(|| f.parse().ok())
            .flatten()
    };
    let (Some(h), Some(m), Some(s), Some(ms)) = (
        field(h, 1..=usize::MAX),
        field(m, 2..=2),
        field(s, 2..=2),
        field(ms, 3..=3),
    ) else {
        return Err(bad());
    };
    if m > 59 || s > 59 {
        return Err(format!("{token:?}: minutes and seconds go up to 59"));
    }
    if h > MAX_HOURS {
        return Err(format!(
            "{token:?}: {h} hours is beyond what SubRip can hold ({MAX_HOURS} at most)"
        ));
    }
    // Whole milliseconds first, one division: 1.5 s is exactly 1500 / 1000.
    Ok(((h * 3600 + m * 60 + s) * 1000 + ms) as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    fn line_of(e: Error) -> usize {
        match e {
            Error::Malformed { what, line, .. } => {
                assert_eq!(what, "SRT");
                line
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn reads_cues_text_and_times() {
        let cues = parse_srt(
            "1\n00:00:01,600 --> 00:00:04,200\nFirst line\n<i>second</i>\n\n2\n01:02:03,004 --> 01:02:05,000\nNext\n",
        )
        .unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(
            cues[0],
            Subtitle {
                index: 1,
                start: 1.6,
                end: 4.2,
                text: "First line\n<i>second</i>".into()
            }
        );
        assert_eq!(cues[1].index, 2);
        assert_eq!(cues[1].start, 3723.004);
        assert_eq!(cues[1].end, 3725.0);
    }

    #[test]
    fn tolerates_bom_crlf_trailing_space_blank_runs_and_no_final_blank() {
        let text = "\u{feff}\r\n\r\n1  \r\n00:00:00,000 --> 00:00:01,000   \r\nA \r\n\r\n\r\n\r\n2\r\n00:00:02,000 --> 00:00:03,000\r\nB";
        let cues = parse_srt(text).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!(cues[0].text, "A");
        assert_eq!(cues[1].text, "B");
        assert_eq!(cues[1].end, 3.0);
    }

    #[test]
    fn accepts_dot_milliseconds_and_position_suffix() {
        let cues = parse_srt("7\n00:00:01.250 --> 00:00:02.500 X1:100 X2:600 Y1:-5 Y2:80\nText\n")
            .unwrap();
        assert_eq!((cues[0].index, cues[0].start, cues[0].end), (7, 1.25, 2.5));
    }

    #[test]
    fn empty_or_blank_input_has_no_cues() {
        assert!(parse_srt("").unwrap().is_empty());
        assert!(parse_srt("\u{feff}\n \r\n\t\n").unwrap().is_empty());
    }

    #[test]
    fn zero_length_cue_is_accepted() {
        let cues = parse_srt("1\n00:00:01,000 --> 00:00:01,000\nBeep\n").unwrap();
        assert_eq!(cues[0].start, cues[0].end);
    }

    #[test]
    fn refuses_non_numeric_index() {
        let e = parse_srt("\n\none\n00:00:01,000 --> 00:00:02,000\nHi\n").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert!(e.to_string().contains("line 3"), "{e}");
        assert_eq!(line_of(e), 3);
        assert_eq!(
            line_of(parse_srt("-1\n00:00:01,000 --> 00:00:02,000\nHi\n").unwrap_err()),
            1
        );
        assert_eq!(
            line_of(parse_srt("99999999999\n00:00:01,000 --> 00:00:02,000\nHi\n").unwrap_err()),
            1
        );
    }

    #[test]
    fn refuses_cue_without_time_line() {
        // Text where the time line should be.
        assert_eq!(line_of(parse_srt("1\nHello there\n").unwrap_err()), 2);
        // Number, then a blank line or the end of the file.
        assert_eq!(line_of(parse_srt("1\n\n").unwrap_err()), 1);
        assert_eq!(line_of(parse_srt("1").unwrap_err()), 1);
        let ok = "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n";
        assert_eq!(line_of(parse_srt(&format!("{ok}2\n")).unwrap_err()), 5);
    }

    #[test]
    fn refuses_cue_without_text() {
        let e =
            parse_srt("1\n00:00:01,000 --> 00:00:02,000\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
                .unwrap_err();
        assert_eq!(line_of(e), 3);
        assert_eq!(
            line_of(parse_srt("1\n00:00:01,000 --> 00:00:02,000").unwrap_err()),
            3
        );
    }

    #[test]
    fn refuses_end_before_start() {
        let e = parse_srt("1\n00:00:05,000 --> 00:00:04,999\nHi\n").unwrap_err();
        assert!(e.to_string().contains("before it starts"), "{e}");
        assert_eq!(line_of(e), 2);
    }

    #[test]
    fn refuses_negative_and_absurd_times() {
        for time in [
            "-00:00:01,000 --> 00:00:02,000",
            "00:00:01,000 --> -00:00:02,000",
            "100:00:00,000 --> 101:00:00,000",
            "00:60:00,000 --> 00:61:00,000",
            "00:00:60,000 --> 00:00:61,000",
            "00:00:01,0000 --> 00:00:02,000",
            "00:00:01,00 --> 00:00:02,000",
            "00:01,000 --> 00:02,000",
            "00:00:01 --> 00:00:02",
            "00:00:01,000 -> 00:00:02,000",
            "00:00:01,000 --> 00:00:02,000 align:start",
            "0x:00:01,000 --> 00:00:02,000",
            "+0:00:01,000 --> 00:00:02,000",
        ] {
            let e = parse_srt(&format!("1\n{time}\nHi\n")).unwrap_err();
            assert_eq!(line_of(e), 2, "{time}");
        }
        // One-digit hours are common and harmless.
        assert_eq!(
            parse_srt("1\n1:00:00,000 --> 1:00:01,000\nHi\n").unwrap()[0].start,
            3600.0
        );
    }

    #[test]
    fn refuses_cues_run_together() {
        let e =
            parse_srt("1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB\n")
                .unwrap_err();
        assert_eq!(line_of(e), 5);
    }

    #[test]
    fn numbers_as_text_are_text() {
        let cues = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n42\n1999\n").unwrap();
        assert_eq!(cues[0].text, "42\n1999");
    }

    #[test]
    fn read_srt_reports_io_and_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let missing = read_srt(dir.path().join("none.srt")).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::Io);
        let latin1 = dir.path().join("latin1.srt");
        std::fs::write(&latin1, b"1\n00:00:01,000 --> 00:00:02,000\nCaf\xe9\n").unwrap();
        assert_eq!(line_of(read_srt(&latin1).unwrap_err()), 3);
        let good = dir.path().join("good.srt");
        std::fs::write(&good, "1\n00:00:01,000 --> 00:00:02,000\nCafé\n").unwrap();
        assert_eq!(read_srt(&good).unwrap()[0].text, "Café");
    }

    #[test]
    fn spans_become_numbered_cues() {
        let cues = subtitles_from_spans(&[(0.5, 1.0), (1.0, 1.0)]).unwrap();
        assert_eq!(cues.iter().map(|c| c.index).collect::<Vec<_>>(), [1, 2]);
        assert!(cues.iter().all(|c| c.text.is_empty()));
        for bad in [
            (-0.1, 1.0),
            (2.0, 1.0),
            (f64::NAN, 1.0),
            (0.0, f64::INFINITY),
        ] {
            let e = subtitles_from_spans(&[(0.0, 1.0), bad]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert!(e.to_string().contains("span 1"), "{e}");
        }
    }

    fn format_time(ms: u64) -> String {
        format!(
            "{:02}:{:02}:{:02},{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = parse_srt(&text);
        }

        #[test]
        fn srt_like_text_never_panics(
            text in "(\u{feff})?([0-9]{0,3}|x)(\r?\n)[0-9:,.\\- >X12Y]{0,40}(\r?\n)[a-z0-9 \r\n>-]{0,30}"
        ) {
            let _ = parse_srt(&text);
        }

        #[test]
        fn written_cues_read_back(
            cues in proptest::collection::vec((0u64..359_999_999, 0u64..100_000, "[a-zA-Z][a-zA-Z ]{0,20}"), 0..8)
        ) {
            let mut text = String::new();
            for (i, (start, len, words)) in cues.iter().enumerate() {
                let end = (start + len).min(359_999_999);
                text += &format!("{}\r\n{} --> {}\r\n{}\r\n\r\n", i + 1, format_time(*start), format_time(end), words);
            }
            let parsed = parse_srt(&text).unwrap();
            prop_assert_eq!(parsed.len(), cues.len());
            for (p, (start, _, words)) in parsed.iter().zip(&cues) {
                prop_assert_eq!(p.start, *start as f64 / 1000.0);
                prop_assert_eq!(&p.text, words.trim_end());
            }
        }
    }
}
