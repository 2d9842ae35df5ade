//! `vp_subtitle` / `vp_subtitles`: SubRip (SRT) cues, read from text or a
//! file and passed to the diarizer. Mirrors core's `Subtitle`, `parse_srt`,
//! `read_srt`.

use std::ffi::{c_char, CString};

use voiceprint_core::diarization::{parse_srt, read_srt, Subtitle};

use crate::args::{out_arg, slice_arg, str_arg};
use crate::error::{ffi_call, ffi_get, FfiResult};
use crate::owned::Owned;
use crate::status::vp_status;
use crate::strings::c_string;

/// One subtitle cue. Filled by the library in a `vp_subtitles`, or by the
/// caller for `vp_diarize_options.subtitles`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vp_subtitle {
    /// The cue number as written in the file (1-based by convention); the
    /// diarizer's segments give it back as `subtitle_index`.
    pub index: u32,
    /// Start, seconds from the beginning of the audio.
    pub start: f64,
    /// End, seconds (`end >= start`).
    pub end: f64,
    /// The cue's text, its lines joined with `\n`. Passed in: may be NULL,
    /// and is not read (the diarizer needs only the times).
    pub text: *const c_char,
}

/// Subtitle cues owned by the library, in file order: read `items[0] ..
/// items[len - 1]` (or pass `items` and `len` to `vp_diarize_options`),
/// do not modify them, free them with `vp_subtitles_free`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub struct vp_subtitles {
    /// `len` cues.
    pub items: *const vp_subtitle,
    /// Number of cues.
    pub len: usize,
}

type SubtitlesKeep = (Vec<vp_subtitle>, Vec<CString>);

fn subtitles_into_raw(cues: Vec<Subtitle>) -> *mut vp_subtitles {
    let texts: Vec<CString> = cues.iter().map(|c| c_string(c.text.as_str())).collect();
    let items: Vec<vp_subtitle> = cues
        .iter()
        .zip(&texts)
        .map(|(c, text)| vp_subtitle {
            index: c.index,
            start: c.start,
            end: c.end,
            text: text.as_ptr(),
        })
        .collect();
    let public = vp_subtitles {
        items: items.as_ptr(),
        len: items.len(),
    };
    Owned::into_raw(public, (items, texts))
}

/// Core's subtitles from a borrowed array of `len` cues; their texts are
/// not read (the diarizer uses only the times).
///
/// # Safety
/// `ptr` is NULL or points to `len` cues outliving the call.
pub(crate) unsafe fn subtitles_arg(
    ptr: *const vp_subtitle,
    len: usize,
) -> FfiResult<Vec<Subtitle>> {
    // SAFETY: forwarded contract of this function.
    let items = unsafe { slice_arg(ptr, len, "subtitles") }?;
    Ok(items
        .iter()
        .map(|c| Subtitle {
            index: c.index,
            start: c.start,
            end: c.end,
            text: String::new(),
        })
        .collect())
}

/// Writes `cues` through `out`.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn parse_into(
    out: *mut *mut vp_subtitles,
    cues: impl FnOnce() -> FfiResult<Vec<Subtitle>>,
) -> FfiResult {
    // SAFETY: forwarded contract of this function.
    let out = unsafe { out_arg(out, "out") }?;
    *out = std::ptr::null_mut();
    *out = subtitles_into_raw(cues()?);
    Ok(())
}

/// Parses the text of an SRT file (a UTF-8 BOM and CRLF line ends are fine).
///
/// On success `*out` is a new `vp_subtitles` to free with
/// `vp_subtitles_free`; on failure `*out` is NULL.
///
/// Errors: `VP_STATUS_MALFORMED`, with the 1-based line to fix in
/// `vp_last_error_message()` (a cue number that is not a number, no time
/// line, no text, a time not `HH:MM:SS,mmm`, a cue ending before it
/// starts, cues not separated by a blank line), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8`.
///
/// # Safety
/// `text` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_subtitles_parse_srt(
    text: *const c_char,
    out: *mut *mut vp_subtitles,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe { parse_into(out, || Ok(parse_srt(str_arg(text, "text")?)?)) }
    })
}

/// Reads and parses an SRT file (UTF-8). Ownership as
/// `vp_subtitles_parse_srt`.
///
/// Errors: `VP_STATUS_IO` (cannot be read), `VP_STATUS_MALFORMED` (also
/// for a file that is not UTF-8), `VP_STATUS_NULL_POINTER`,
/// `VP_STATUS_INVALID_UTF8` (the path).
///
/// # Safety
/// `path` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn vp_subtitles_read_srt(
    path: *const c_char,
    out: *mut *mut vp_subtitles,
) -> vp_status {
    ffi_call(|| {
        // SAFETY: forwarded contract of this function.
        unsafe { parse_into(out, || Ok(read_srt(str_arg(path, "path")?)?)) }
    })
}

/// Frees cues returned by the library. NULL is a no-op.
///
/// # Safety
/// `subtitles` is NULL or was returned by the library and not freed yet.
#[no_mangle]
pub unsafe extern "C" fn vp_subtitles_free(subtitles: *mut vp_subtitles) {
    ffi_get((), || {
        // SAFETY: per this function's contract it came from `subtitles_into_raw`.
        unsafe { Owned::<vp_subtitles, SubtitlesKeep>::free(subtitles) };
        Some(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn parses_round_trips_and_reports_the_line() {
        let mut subs = std::ptr::null_mut();
        let text = c"1\r\n00:00:01,500 --> 00:00:03,000\r\nHello\r\n\r\n2\n00:00:04,000 --> 00:00:05,250\nBye\n";
        // SAFETY: static strings, live out-pointers, freed once.
        unsafe {
            assert_eq!(
                vp_subtitles_parse_srt(text.as_ptr(), &mut subs),
                vp_status::Ok
            );
            let s = &*subs;
            let items = std::slice::from_raw_parts(s.items, s.len);
            assert_eq!(items.len(), 2);
            assert_eq!(
                (items[1].index, items[1].start, items[1].end),
                (2, 4.0, 5.25)
            );
            assert_eq!(CStr::from_ptr(items[0].text), c"Hello");
            let back = subtitles_arg(s.items, s.len).unwrap();
            assert_eq!((back[0].start, back[0].end), (1.5, 3.0));
            vp_subtitles_free(subs);
            vp_subtitles_free(std::ptr::null_mut());

            let mut bad: *mut vp_subtitles = std::ptr::dangling_mut();
            let broken =
                c"1\n00:00:01,500 --> 00:00:03,000\nHi\n\nx\n00:00:04,000 --> 00:00:05,000\nY\n";
            assert_eq!(
                vp_subtitles_parse_srt(broken.as_ptr(), &mut bad),
                vp_status::Malformed
            );
            assert!(bad.is_null());
            let msg = CStr::from_ptr(crate::error::vp_last_error_message());
            assert!(msg.to_str().unwrap().contains("line 5"), "{msg:?}");
            assert_eq!(
                vp_subtitles_read_srt(c"/nonexistent.srt".as_ptr(), &mut bad),
                vp_status::Io
            );
        }
    }
}
