//! The one error type of the library.
//!
//! Every variant is a case a caller can act on, carries the numbers that
//! explain it, and its message says what to do. Bindings map [`Error::kind`]
//! to a C status code or a Python exception class.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in voiceprint, in the caller's terms.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The input is not in a format the library decodes.
    #[error("unsupported or unrecognised {what} format: {detail} (audio: WAV, FLAC, MP3, OGG Vorbis, M4A/AAC; images: JPEG, PNG, WebP, BMP, GIF, TIFF)")]
    UnsupportedFormat {
        /// `"audio"` or `"image"`.
        what: &'static str,
        /// What the decoder said.
        detail: String,
    },

    /// The input is in a known format but damaged or cut short.
    #[error("corrupt or truncated {what}: {detail}; re-encode or re-upload the file")]
    CorruptInput {
        /// `"audio"` or `"image"`.
        what: &'static str,
        /// What the decoder said.
        detail: String,
    },

    /// The input holds no data at all (zero bytes, zero samples, zero pixels).
    #[error("empty {what}: there is nothing to process")]
    EmptyInput {
        /// `"audio"`, `"image"`, `"utterance list"`, ...
        what: &'static str,
    },

    /// Too little audio (or too little speech) to make a reliable voiceprint.
    #[error("audio too short: {seconds:.2} s, at least {minimum:.2} s is needed; record a longer utterance or lower `min_seconds`")]
    AudioTooShort {
        /// Length of the audio (or of its speech) in seconds.
        seconds: f32,
        /// The configured minimum.
        minimum: f32,
    },

    /// More audio than the configured maximum.
    #[error("audio too long: {seconds:.1} s, at most {maximum:.1} s is accepted; split it or raise `max_seconds`")]
    AudioTooLong {
        /// Length of the audio in seconds.
        seconds: f32,
        /// The configured maximum.
        maximum: f32,
    },

    /// Samples that are NaN or infinite.
    #[error("audio contains a non-finite sample (NaN or infinity) at index {index}; check the producer of the PCM buffer")]
    NonFiniteSamples {
        /// Index of the first bad sample.
        index: usize,
    },

    /// A sample rate of zero or beyond any real recording.
    #[error("invalid sample rate {rate} Hz: expected between {min} and {max} Hz")]
    InvalidSampleRate {
        /// The rate given.
        rate: u32,
        /// Lowest accepted rate.
        min: u32,
        /// Highest accepted rate.
        max: u32,
    },

    /// An input larger than the configured limit (bytes or pixels).
    #[error("{what} too large: {actual} {unit}, the limit is {limit} {unit}; shrink the input or raise the limit")]
    InputTooLarge {
        /// `"audio"` or `"image"`.
        what: &'static str,
        /// Size of the input.
        actual: u64,
        /// The configured limit.
        limit: u64,
        /// `"bytes"` or `"pixels"`.
        unit: &'static str,
    },

    /// The ONNX Runtime shared library was not found anywhere it is looked for.
    #[error("ONNX Runtime library not found (looked in: {searched}). Run `scripts/setup.sh`, `pip install onnxruntime`, or set VOICEPRINT_ORT_LIB to the path of libonnxruntime")]
    RuntimeNotFound {
        /// The places that were tried, in order.
        searched: String,
    },

    /// ONNX Runtime was found but could not be loaded or initialised.
    #[error("cannot initialise ONNX Runtime from {path}: {detail}")]
    RuntimeInit {
        /// The library that was tried.
        path: String,
        /// What went wrong.
        detail: String,
    },

    /// A model file is missing, not ONNX, or not what its spec says.
    #[error("cannot load model {path}: {detail}")]
    ModelLoad {
        /// The model file.
        path: String,
        /// What went wrong.
        detail: String,
    },

    /// A model spec (preset, explicit, or read from ONNX metadata) is incomplete or inconsistent.
    #[error("invalid model spec: {detail}")]
    InvalidModelSpec {
        /// What is missing or inconsistent.
        detail: String,
    },

    /// ONNX Runtime failed while running a model.
    #[error("inference failed: {detail}")]
    Inference {
        /// ONNX Runtime's message.
        detail: String,
    },

    /// A vector of the wrong length for this model or store.
    #[error("dimension mismatch: expected {expected}, got {actual}")]
    DimensionMismatch {
        /// The dimension the model or store uses.
        expected: usize,
        /// The dimension given.
        actual: usize,
    },

    /// A vector or store made by a different model than the one in use.
    #[error("model mismatch: the store holds vectors of model `{store}`, this one comes from `{model}`; open a store made with the same model or re-enrol")]
    ModelMismatch {
        /// The model id the store is bound to.
        store: String,
        /// The model id of the vector or encoder offered.
        model: String,
    },

    /// No record with this id.
    #[error("no record with id `{id}`; enrol it first or check the id")]
    NotFound {
        /// The id asked for.
        id: String,
    },

    /// An id that cannot be stored (empty, too long, control characters).
    #[error("invalid id {id:?}: {reason}")]
    InvalidId {
        /// The id given.
        id: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// An argument out of its domain (k = 0, threshold NaN, empty batch, ...).
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// Why it is refused.
        reason: String,
    },

    /// The storage backend failed (SQLite error, schema from a newer version, ...).
    #[error("store error: {detail}")]
    Store {
        /// What went wrong.
        detail: String,
    },

    /// A text input (subtitles, RTTM) that does not follow its format, or
    /// data that cannot be written in it; `line` points at the place to fix.
    #[error("malformed {what} at line {line}: {reason}; fix that line (or the data written there) and try again")]
    Malformed {
        /// The format: `"SRT"`, `"RTTM"`, `"JSON"`.
        what: &'static str,
        /// 1-based line number of the offending line (for data refused on
        /// write: the 1-based number of the record that would be that line).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// Long work (a diarization) was stopped by its progress callback.
    #[error("cancelled by the caller's progress callback")]
    Cancelled,

    /// An encrypted store was opened with a key that is not its key: the
    /// key check value in its binding row does not match, so nothing was read.
    #[error("wrong key for the encrypted store {store}: pass the key (or passphrase) it was created or last rekeyed with")]
    WrongKey {
        /// The store (file path or server/table).
        store: String,
    },

    /// A key was given for a store that keeps vectors in plain text, or no
    /// key for an encrypted one.
    #[error("{store}: {detail}")]
    EncryptionMismatch {
        /// The store.
        store: String,
        /// Which way round, and what to do.
        detail: String,
    },

    /// A stored record fails its integrity check (tampered, truncated, or
    /// copied from another id or model).
    #[error("record `{id}` in {store} is corrupt: {detail}; restore it from a backup, or remove it and enrol again")]
    CorruptRecord {
        /// The store.
        store: String,
        /// The record's id.
        id: String,
        /// What failed.
        detail: String,
    },

    /// The database server cannot be reached (down, wrong host or port,
    /// timed out).
    #[error("cannot reach the database server {server}: {detail}; check that it is running and that the URL's host and port are right")]
    StoreUnreachable {
        /// Host and port, never the password.
        server: String,
        /// The driver's message.
        detail: String,
    },

    /// The database server refused the login.
    #[error("the database server {server} refused the login: {detail}; check the user name and password in the URL and the server's pg_hba.conf")]
    StoreAuth {
        /// Host and port, never the password.
        server: String,
        /// The driver's message.
        detail: String,
    },

    /// The store's schema was written by a newer voiceprint.
    #[error("{store} has schema version {found}; this voiceprint understands up to {supported}: upgrade voiceprint on this node (never downgrade a shared store)")]
    SchemaTooNew {
        /// The store.
        store: String,
        /// Version found.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
}

/// The kind of an [`Error`], without its payload: what bindings map to a C
/// status code or a Python exception class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Io`].
    Io,
    /// See [`Error::UnsupportedFormat`].
    UnsupportedFormat,
    /// See [`Error::CorruptInput`].
    CorruptInput,
    /// See [`Error::EmptyInput`].
    EmptyInput,
    /// See [`Error::AudioTooShort`].
    AudioTooShort,
    /// See [`Error::AudioTooLong`].
    AudioTooLong,
    /// See [`Error::NonFiniteSamples`].
    NonFiniteSamples,
    /// See [`Error::InvalidSampleRate`].
    InvalidSampleRate,
    /// See [`Error::InputTooLarge`].
    InputTooLarge,
    /// See [`Error::RuntimeNotFound`].
    RuntimeNotFound,
    /// See [`Error::RuntimeInit`].
    RuntimeInit,
    /// See [`Error::ModelLoad`].
    ModelLoad,
    /// See [`Error::InvalidModelSpec`].
    InvalidModelSpec,
    /// See [`Error::Inference`].
    Inference,
    /// See [`Error::DimensionMismatch`].
    DimensionMismatch,
    /// See [`Error::ModelMismatch`].
    ModelMismatch,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::InvalidId`].
    InvalidId,
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::Store`].
    Store,
    /// See [`Error::Malformed`].
    Malformed,
    /// See [`Error::Cancelled`].
    Cancelled,
    /// See [`Error::WrongKey`].
    WrongKey,
    /// See [`Error::EncryptionMismatch`].
    EncryptionMismatch,
    /// See [`Error::CorruptRecord`].
    CorruptRecord,
    /// See [`Error::StoreUnreachable`].
    StoreUnreachable,
    /// See [`Error::StoreAuth`].
    StoreAuth,
    /// See [`Error::SchemaTooNew`].
    SchemaTooNew,
}

impl Error {
    /// The payload-free kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Io { .. } => ErrorKind::Io,
            Error::UnsupportedFormat { .. } => ErrorKind::UnsupportedFormat,
            Error::CorruptInput { .. } => ErrorKind::CorruptInput,
            Error::EmptyInput { .. } => ErrorKind::EmptyInput,
            Error::AudioTooShort { .. } => ErrorKind::AudioTooShort,
            Error::AudioTooLong { .. } => ErrorKind::AudioTooLong,
            Error::NonFiniteSamples { .. } => ErrorKind::NonFiniteSamples,
            Error::InvalidSampleRate { .. } => ErrorKind::InvalidSampleRate,
            Error::InputTooLarge { .. } => ErrorKind::InputTooLarge,
            Error::RuntimeNotFound { .. } => ErrorKind::RuntimeNotFound,
            Error::RuntimeInit { .. } => ErrorKind::RuntimeInit,
            Error::ModelLoad { .. } => ErrorKind::ModelLoad,
            Error::InvalidModelSpec { .. } => ErrorKind::InvalidModelSpec,
            Error::Inference { .. } => ErrorKind::Inference,
            Error::DimensionMismatch { .. } => ErrorKind::DimensionMismatch,
            Error::ModelMismatch { .. } => ErrorKind::ModelMismatch,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::InvalidId { .. } => ErrorKind::InvalidId,
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::Store { .. } => ErrorKind::Store,
            Error::Malformed { .. } => ErrorKind::Malformed,
            Error::Cancelled => ErrorKind::Cancelled,
            Error::WrongKey { .. } => ErrorKind::WrongKey,
            Error::EncryptionMismatch { .. } => ErrorKind::EncryptionMismatch,
            Error::CorruptRecord { .. } => ErrorKind::CorruptRecord,
            Error::StoreUnreachable { .. } => ErrorKind::StoreUnreachable,
            Error::StoreAuth { .. } => ErrorKind::StoreAuth,
            Error::SchemaTooNew { .. } => ErrorKind::SchemaTooNew,
        }
    }

    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid_argument(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Malformed`].
    pub fn malformed(what: &'static str, line: usize, reason: impl Into<String>) -> Self {
        Error::Malformed {
            what,
            line,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store {
            detail: e.to_string(),
        }
    }
}

impl From<ort::Error> for Error {
    fn from(e: ort::Error) -> Self {
        Error::Inference {
            detail: e.to_string(),
        }
    }
}
