//! One Python exception class per `voiceprint_core::ErrorKind`, all
//! subclasses of `voiceprint.VoiceprintError`.

use pyo3::create_exception;
use pyo3::prelude::*;
use voiceprint_core::{Error, ErrorKind};

create_exception!(
    voiceprint,
    VoiceprintError,
    pyo3::exceptions::PyException,
    "Base class of every voiceprint error."
);
create_exception!(
    voiceprint,
    IoError,
    VoiceprintError,
    "A file could not be read or written."
);
create_exception!(
    voiceprint,
    UnsupportedFormatError,
    VoiceprintError,
    "The input is not in a supported format."
);
create_exception!(
    voiceprint,
    CorruptInputError,
    VoiceprintError,
    "The input is damaged or truncated."
);
create_exception!(
    voiceprint,
    EmptyInputError,
    VoiceprintError,
    "The input holds no data."
);
create_exception!(
    voiceprint,
    AudioTooShortError,
    VoiceprintError,
    "Too little audio (or speech) to embed."
);
create_exception!(
    voiceprint,
    AudioTooLongError,
    VoiceprintError,
    "More audio than the configured maximum."
);
create_exception!(
    voiceprint,
    NonFiniteSamplesError,
    VoiceprintError,
    "Audio samples that are NaN or infinite."
);
create_exception!(
    voiceprint,
    InvalidSampleRateError,
    VoiceprintError,
    "A sample rate of zero or beyond any recording."
);
create_exception!(
    voiceprint,
    InputTooLargeError,
    VoiceprintError,
    "An input larger than the configured limit."
);
create_exception!(
    voiceprint,
    RuntimeNotFoundError,
    VoiceprintError,
    "The ONNX Runtime library was not found."
);
create_exception!(
    voiceprint,
    RuntimeInitError,
    VoiceprintError,
    "ONNX Runtime could not be loaded or started."
);
create_exception!(
    voiceprint,
    ModelLoadError,
    VoiceprintError,
    "A model file is missing or not usable."
);
create_exception!(
    voiceprint,
    InvalidModelSpecError,
    VoiceprintError,
    "A model spec or model metadata is incomplete or inconsistent."
);
create_exception!(
    voiceprint,
    InferenceError,
    VoiceprintError,
    "ONNX Runtime failed while running a model."
);
create_exception!(
    voiceprint,
    DimensionMismatchError,
    VoiceprintError,
    "A vector of the wrong length."
);
create_exception!(
    voiceprint,
    ModelMismatchError,
    VoiceprintError,
    "A vector or store made by another model."
);
create_exception!(
    voiceprint,
    SpeakerNotFoundError,
    VoiceprintError,
    "No record with this id."
);
create_exception!(
    voiceprint,
    InvalidIdError,
    VoiceprintError,
    "An id that cannot be stored."
);
create_exception!(
    voiceprint,
    InvalidArgumentError,
    VoiceprintError,
    "An argument out of its domain."
);
create_exception!(
    voiceprint,
    StoreError,
    VoiceprintError,
    "The storage backend failed."
);
create_exception!(
    voiceprint,
    MalformedInputError,
    VoiceprintError,
    "A text input (SRT, RTTM) that does not follow its format; the message gives the line."
);
create_exception!(
    voiceprint,
    CancelledError,
    VoiceprintError,
    "Long work (a diarization) was stopped by its progress callback."
);

create_exception!(
    voiceprint,
    WrongKeyError,
    StoreError,
    "An encrypted store opened with a key that is not its key."
);
create_exception!(
    voiceprint,
    EncryptionMismatchError,
    StoreError,
    "A key given for a plain store, or none for an encrypted one."
);
create_exception!(
    voiceprint,
    CorruptRecordError,
    StoreError,
    "A stored record fails its integrity check; the message names its id."
);
create_exception!(
    voiceprint,
    StoreUnreachableError,
    StoreError,
    "The database server cannot be reached."
);
create_exception!(
    voiceprint,
    StoreAuthError,
    StoreError,
    "The database server refused the login."
);
create_exception!(
    voiceprint,
    SchemaTooNewError,
    StoreError,
    "The store was written by a newer voiceprint."
);

/// Converts a core error into the matching Python exception, keeping its message.
pub fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    match e.kind() {
        ErrorKind::Io => IoError::new_err(msg),
        ErrorKind::UnsupportedFormat => UnsupportedFormatError::new_err(msg),
        ErrorKind::CorruptInput => CorruptInputError::new_err(msg),
        ErrorKind::EmptyInput => EmptyInputError::new_err(msg),
        ErrorKind::AudioTooShort => AudioTooShortError::new_err(msg),
        ErrorKind::AudioTooLong => AudioTooLongError::new_err(msg),
        ErrorKind::NonFiniteSamples => NonFiniteSamplesError::new_err(msg),
        ErrorKind::InvalidSampleRate => InvalidSampleRateError::new_err(msg),
        ErrorKind::InputTooLarge => InputTooLargeError::new_err(msg),
        ErrorKind::RuntimeNotFound => RuntimeNotFoundError::new_err(msg),
        ErrorKind::RuntimeInit => RuntimeInitError::new_err(msg),
        ErrorKind::ModelLoad => ModelLoadError::new_err(msg),
        ErrorKind::InvalidModelSpec => InvalidModelSpecError::new_err(msg),
        ErrorKind::Inference => InferenceError::new_err(msg),
        ErrorKind::DimensionMismatch => DimensionMismatchError::new_err(msg),
        ErrorKind::ModelMismatch => ModelMismatchError::new_err(msg),
        ErrorKind::NotFound => SpeakerNotFoundError::new_err(msg),
        ErrorKind::InvalidId => InvalidIdError::new_err(msg),
        ErrorKind::InvalidArgument => InvalidArgumentError::new_err(msg),
        ErrorKind::Store => StoreError::new_err(msg),
        ErrorKind::Malformed => MalformedInputError::new_err(msg),
        ErrorKind::Cancelled => CancelledError::new_err(msg),
        ErrorKind::WrongKey => WrongKeyError::new_err(msg),
        ErrorKind::EncryptionMismatch => EncryptionMismatchError::new_err(msg),
        ErrorKind::CorruptRecord => CorruptRecordError::new_err(msg),
        ErrorKind::StoreUnreachable => StoreUnreachableError::new_err(msg),
        ErrorKind::StoreAuth => StoreAuthError::new_err(msg),
        ErrorKind::SchemaTooNew => SchemaTooNewError::new_err(msg),
        _ => VoiceprintError::new_err(msg),
    }
}

/// `Result` of core into `PyResult`.
pub trait IntoPyResult<T> {
    /// Maps the error with [`to_py`].
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("VoiceprintError", py.get_type::<VoiceprintError>())?;
    m.add("IoError", py.get_type::<IoError>())?;
    m.add(
        "UnsupportedFormatError",
        py.get_type::<UnsupportedFormatError>(),
    )?;
    m.add("CorruptInputError", py.get_type::<CorruptInputError>())?;
    m.add("EmptyInputError", py.get_type::<EmptyInputError>())?;
    m.add("AudioTooShortError", py.get_type::<AudioTooShortError>())?;
    m.add("AudioTooLongError", py.get_type::<AudioTooLongError>())?;
    m.add(
        "NonFiniteSamplesError",
        py.get_type::<NonFiniteSamplesError>(),
    )?;
    m.add(
        "InvalidSampleRateError",
        py.get_type::<InvalidSampleRateError>(),
    )?;
    m.add("InputTooLargeError", py.get_type::<InputTooLargeError>())?;
    m.add(
        "RuntimeNotFoundError",
        py.get_type::<RuntimeNotFoundError>(),
    )?;
    m.add("RuntimeInitError", py.get_type::<RuntimeInitError>())?;
    m.add("ModelLoadError", py.get_type::<ModelLoadError>())?;
    m.add(
        "InvalidModelSpecError",
        py.get_type::<InvalidModelSpecError>(),
    )?;
    m.add("InferenceError", py.get_type::<InferenceError>())?;
    m.add(
        "DimensionMismatchError",
        py.get_type::<DimensionMismatchError>(),
    )?;
    m.add("ModelMismatchError", py.get_type::<ModelMismatchError>())?;
    m.add(
        "SpeakerNotFoundError",
        py.get_type::<SpeakerNotFoundError>(),
    )?;
    m.add("InvalidIdError", py.get_type::<InvalidIdError>())?;
    m.add(
        "InvalidArgumentError",
        py.get_type::<InvalidArgumentError>(),
    )?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    m.add("MalformedInputError", py.get_type::<MalformedInputError>())?;
    m.add("CancelledError", py.get_type::<CancelledError>())?;
    m.add("WrongKeyError", py.get_type::<WrongKeyError>())?;
    m.add(
        "EncryptionMismatchError",
        py.get_type::<EncryptionMismatchError>(),
    )?;
    m.add("CorruptRecordError", py.get_type::<CorruptRecordError>())?;
    m.add(
        "StoreUnreachableError",
        py.get_type::<StoreUnreachableError>(),
    )?;
    m.add("StoreAuthError", py.get_type::<StoreAuthError>())?;
    m.add("SchemaTooNewError", py.get_type::<SchemaTooNewError>())?;
    Ok(())
}
