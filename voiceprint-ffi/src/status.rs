//! `vp_status`: the result code of every fallible function.

use std::ffi::c_char;

use voiceprint_core::ErrorKind;

/// Result of a fallible call: `VP_STATUS_OK` (0) or what went wrong.
///
/// One code per kind of `voiceprint_core::Error` (same names, same meaning),
/// plus the three that only the C boundary can produce: a NULL pointer, a
/// string that is not UTF-8, and a caught Rust panic. The values are fixed:
/// new codes are only ever added. `vp_last_error_message()` gives the text
/// of the calling thread's last failure, with the numbers that explain it.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum vp_status {
    /// Success.
    Ok = 0,
    /// A file could not be read or written (missing, permissions, ...).
    Io = 1,
    /// The input is not in a format the library decodes.
    UnsupportedFormat = 2,
    /// The input is in a known format but damaged or cut short.
    CorruptInput = 3,
    /// The input holds no data at all (zero bytes, zero samples, no utterances).
    EmptyInput = 4,
    /// Too little audio to make a reliable voiceprint.
    AudioTooShort = 5,
    /// More audio than the configured maximum.
    AudioTooLong = 6,
    /// PCM samples that are NaN or infinite.
    NonFiniteSamples = 7,
    /// A sample rate of zero or beyond any real recording.
    InvalidSampleRate = 8,
    /// An input larger than the configured limit.
    InputTooLarge = 9,
    /// The ONNX Runtime shared library was not found.
    RuntimeNotFound = 10,
    /// ONNX Runtime was found but could not be loaded or initialised.
    RuntimeInit = 11,
    /// A model file is missing, not ONNX, or not what its spec says.
    ModelLoad = 12,
    /// A model spec (preset or ONNX metadata) is unknown, incomplete or inconsistent.
    InvalidModelSpec = 13,
    /// ONNX Runtime failed while running a model.
    Inference = 14,
    /// A vector of the wrong length for this model or store.
    DimensionMismatch = 15,
    /// A store made by a different model than the encoder in use.
    ModelMismatch = 16,
    /// No speaker (record) with this id.
    NotFound = 17,
    /// An id that cannot be stored (empty, too long, control characters).
    InvalidId = 18,
    /// An argument out of its domain (k = 0, threshold outside [-1, 1], bad enum value, ...).
    InvalidArgument = 19,
    /// The storage backend failed (SQLite error, schema from a newer version, ...).
    Store = 20,
    /// A text input (SRT subtitles, RTTM) that does not follow its format;
    /// the message gives the line to fix.
    Malformed = 21,
    /// Long work was stopped by its progress callback (it returned false).
    Cancelled = 22,
    /// An encrypted store opened with a key that is not its key.
    WrongKey = 23,
    /// A key given for a plain store, or none for an encrypted one.
    EncryptionMismatch = 24,
    /// A stored record fails its integrity check (tampered or copied); the message names its id.
    CorruptRecord = 25,
    /// The database server cannot be reached (down, wrong host or port, timed out).
    StoreUnreachable = 26,
    /// The database server refused the login.
    StoreAuth = 27,
    /// The store was written by a newer voiceprint; upgrade this one.
    SchemaTooNew = 28,
    /// A required pointer argument was NULL.
    NullPointer = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// The library panicked; this is a bug in voiceprint, please report it
    /// with the message. The handles used in the call are still valid.
    Panic = 102,
    /// An error kind newer than this header (the library is newer than the
    /// program was built against); the message says what it is.
    Unknown = 103,
}

impl From<ErrorKind> for vp_status {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Io => vp_status::Io,
            ErrorKind::UnsupportedFormat => vp_status::UnsupportedFormat,
            ErrorKind::CorruptInput => vp_status::CorruptInput,
            ErrorKind::EmptyInput => vp_status::EmptyInput,
            ErrorKind::AudioTooShort => vp_status::AudioTooShort,
            ErrorKind::AudioTooLong => vp_status::AudioTooLong,
            ErrorKind::NonFiniteSamples => vp_status::NonFiniteSamples,
            ErrorKind::InvalidSampleRate => vp_status::InvalidSampleRate,
            ErrorKind::InputTooLarge => vp_status::InputTooLarge,
            ErrorKind::RuntimeNotFound => vp_status::RuntimeNotFound,
            ErrorKind::RuntimeInit => vp_status::RuntimeInit,
            ErrorKind::ModelLoad => vp_status::ModelLoad,
            ErrorKind::InvalidModelSpec => vp_status::InvalidModelSpec,
            ErrorKind::Inference => vp_status::Inference,
            ErrorKind::DimensionMismatch => vp_status::DimensionMismatch,
            ErrorKind::ModelMismatch => vp_status::ModelMismatch,
            ErrorKind::NotFound => vp_status::NotFound,
            ErrorKind::InvalidId => vp_status::InvalidId,
            ErrorKind::InvalidArgument => vp_status::InvalidArgument,
            ErrorKind::Store => vp_status::Store,
            ErrorKind::Malformed => vp_status::Malformed,
            ErrorKind::Cancelled => vp_status::Cancelled,
            ErrorKind::WrongKey => vp_status::WrongKey,
            ErrorKind::EncryptionMismatch => vp_status::EncryptionMismatch,
            ErrorKind::CorruptRecord => vp_status::CorruptRecord,
            ErrorKind::StoreUnreachable => vp_status::StoreUnreachable,
            ErrorKind::StoreAuth => vp_status::StoreAuth,
            ErrorKind::SchemaTooNew => vp_status::SchemaTooNew,
            // `ErrorKind` is non-exhaustive: a kind added to core before
            // this table learns it still reaches C as an error, with its message.
            _ => vp_status::Unknown,
        }
    }
}

impl vp_status {
    /// Every status, for tests and for `vp_status_name`.
    pub(crate) const ALL: [vp_status; 33] = [
        vp_status::Ok,
        vp_status::Io,
        vp_status::UnsupportedFormat,
        vp_status::CorruptInput,
        vp_status::EmptyInput,
        vp_status::AudioTooShort,
        vp_status::AudioTooLong,
        vp_status::NonFiniteSamples,
        vp_status::InvalidSampleRate,
        vp_status::InputTooLarge,
        vp_status::RuntimeNotFound,
        vp_status::RuntimeInit,
        vp_status::ModelLoad,
        vp_status::InvalidModelSpec,
        vp_status::Inference,
        vp_status::DimensionMismatch,
        vp_status::ModelMismatch,
        vp_status::NotFound,
        vp_status::InvalidId,
        vp_status::InvalidArgument,
        vp_status::Store,
        vp_status::Malformed,
        vp_status::Cancelled,
        vp_status::WrongKey,
        vp_status::EncryptionMismatch,
        vp_status::CorruptRecord,
        vp_status::StoreUnreachable,
        vp_status::StoreAuth,
        vp_status::SchemaTooNew,
        vp_status::NullPointer,
        vp_status::InvalidUtf8,
        vp_status::Panic,
        vp_status::Unknown,
    ];

    /// The constant's name as the header spells it, NUL-terminated.
    fn name(self) -> &'static [u8] {
        match self {
            vp_status::Ok => b"VP_STATUS_OK\0",
            vp_status::Io => b"VP_STATUS_IO\0",
            vp_status::UnsupportedFormat => b"VP_STATUS_UNSUPPORTED_FORMAT\0",
            vp_status::CorruptInput => b"VP_STATUS_CORRUPT_INPUT\0",
            vp_status::EmptyInput => b"VP_STATUS_EMPTY_INPUT\0",
            vp_status::AudioTooShort => b"VP_STATUS_AUDIO_TOO_SHORT\0",
            vp_status::AudioTooLong => b"VP_STATUS_AUDIO_TOO_LONG\0",
            vp_status::NonFiniteSamples => b"VP_STATUS_NON_FINITE_SAMPLES\0",
            vp_status::InvalidSampleRate => b"VP_STATUS_INVALID_SAMPLE_RATE\0",
            vp_status::InputTooLarge => b"VP_STATUS_INPUT_TOO_LARGE\0",
            vp_status::RuntimeNotFound => b"VP_STATUS_RUNTIME_NOT_FOUND\0",
            vp_status::RuntimeInit => b"VP_STATUS_RUNTIME_INIT\0",
            vp_status::ModelLoad => b"VP_STATUS_MODEL_LOAD\0",
            vp_status::InvalidModelSpec => b"VP_STATUS_INVALID_MODEL_SPEC\0",
            vp_status::Inference => b"VP_STATUS_INFERENCE\0",
            vp_status::DimensionMismatch => b"VP_STATUS_DIMENSION_MISMATCH\0",
            vp_status::ModelMismatch => b"VP_STATUS_MODEL_MISMATCH\0",
            vp_status::NotFound => b"VP_STATUS_NOT_FOUND\0",
            vp_status::InvalidId => b"VP_STATUS_INVALID_ID\0",
            vp_status::InvalidArgument => b"VP_STATUS_INVALID_ARGUMENT\0",
            vp_status::Store => b"VP_STATUS_STORE\0",
            vp_status::Malformed => b"VP_STATUS_MALFORMED\0",
            vp_status::Cancelled => b"VP_STATUS_CANCELLED\0",
            vp_status::WrongKey => b"VP_STATUS_WRONG_KEY\0",
            vp_status::EncryptionMismatch => b"VP_STATUS_ENCRYPTION_MISMATCH\0",
            vp_status::CorruptRecord => b"VP_STATUS_CORRUPT_RECORD\0",
            vp_status::StoreUnreachable => b"VP_STATUS_STORE_UNREACHABLE\0",
            vp_status::StoreAuth => b"VP_STATUS_STORE_AUTH\0",
            vp_status::SchemaTooNew => b"VP_STATUS_SCHEMA_TOO_NEW\0",
            vp_status::NullPointer => b"VP_STATUS_NULL_POINTER\0",
            vp_status::InvalidUtf8 => b"VP_STATUS_INVALID_UTF8\0",
            vp_status::Panic => b"VP_STATUS_PANIC\0",
            vp_status::Unknown => b"VP_STATUS_UNKNOWN\0",
        }
    }
}

/// The name of a status code, e.g. `"VP_STATUS_NOT_FOUND"`, for logs.
///
/// Returns a static string (never freed, never NULL); a value that is no
/// status gives `"VP_STATUS_UNKNOWN"`. Thread-safe.
#[no_mangle]
pub extern "C" fn vp_status_name(status: u32) -> *const c_char {
    // A `u32` rather than `vp_status` in: C may pass any integer, and an
    // out-of-range value of a Rust enum would be undefined behaviour.
    let found = vp_status::ALL
        .iter()
        .find(|s| **s as u32 == status)
        .copied()
        .unwrap_or(vp_status::Unknown);
    found.name().as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::ffi::CStr;

    #[test]
    fn codes_are_distinct_and_ok_is_zero() {
        let codes: HashSet<u32> = vp_status::ALL.iter().map(|s| *s as u32).collect();
        assert_eq!(codes.len(), vp_status::ALL.len());
        assert_eq!(vp_status::Ok as u32, 0);
    }

    #[test]
    fn every_core_kind_has_its_own_code() {
        let kinds = [
            ErrorKind::Io,
            ErrorKind::UnsupportedFormat,
            ErrorKind::CorruptInput,
            ErrorKind::EmptyInput,
            ErrorKind::AudioTooShort,
            ErrorKind::AudioTooLong,
            ErrorKind::NonFiniteSamples,
            ErrorKind::InvalidSampleRate,
            ErrorKind::InputTooLarge,
            ErrorKind::RuntimeNotFound,
            ErrorKind::RuntimeInit,
            ErrorKind::ModelLoad,
            ErrorKind::InvalidModelSpec,
            ErrorKind::Inference,
            ErrorKind::DimensionMismatch,
            ErrorKind::ModelMismatch,
            ErrorKind::NotFound,
            ErrorKind::InvalidId,
            ErrorKind::InvalidArgument,
            ErrorKind::Store,
            ErrorKind::Malformed,
            ErrorKind::Cancelled,
            ErrorKind::WrongKey,
            ErrorKind::EncryptionMismatch,
            ErrorKind::CorruptRecord,
            ErrorKind::StoreUnreachable,
            ErrorKind::StoreAuth,
            ErrorKind::SchemaTooNew,
        ];
        let codes: HashSet<vp_status> = kinds.iter().map(|k| vp_status::from(*k)).collect();
        assert_eq!(codes.len(), kinds.len());
        assert!(!codes.contains(&vp_status::Ok));
        assert!(!codes.contains(&vp_status::Unknown));
    }

    #[test]
    fn names_match_the_header_spelling() {
        for s in vp_status::ALL {
            // SAFETY: `vp_status_name` returns a pointer to a static NUL-terminated literal.
            let name = unsafe { CStr::from_ptr(vp_status_name(s as u32)) };
            let name = name.to_str().unwrap();
            assert!(name.starts_with("VP_STATUS_"), "{name}");
            let tail: String = format!("{s:?}")
                .chars()
                .flat_map(|c| {
                    let sep = c.is_ascii_uppercase().then_some('_');
                    sep.into_iter()
                        .chain(std::iter::once(c.to_ascii_uppercase()))
                })
                .collect();
            assert_eq!(name, format!("VP_STATUS{tail}"));
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(vp_status_name(9999)) };
        assert_eq!(unknown.to_str().unwrap(), "VP_STATUS_UNKNOWN");
    }
}
