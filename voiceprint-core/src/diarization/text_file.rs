//! Reading the text formats of diarization (SRT, RTTM) from files.

use std::path::Path;

use crate::{Error, Result};

/// The UTF-8 text of the file at `path`; bytes that are not UTF-8 are
/// [`Error::Malformed`] for format `what` at the line where they start,
/// with `reason` as the message.
pub(crate) fn read_utf8(path: &Path, what: &'static str, reason: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::malformed(what, line, reason)
    })
}
