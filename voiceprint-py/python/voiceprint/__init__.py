"""voiceprint: speaker voiceprints in process.

>>> import voiceprint
>>> enc = voiceprint.SpeakerEncoder("models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer")
>>> vp = voiceprint.Voiceprints(enc, voiceprint.Store.open("speakers.db", enc.model_id, enc.dim))
>>> vp.enroll("alice", ["alice-1.wav", "alice-2.flac"])
>>> vp.identify("unknown.mp3", k=3, candidates=["alice", "bob"]).best

Audio arguments are paths, ``bytes`` of a WAV/FLAC/MP3/OGG/M4A file, or numpy
arrays (float32, float64 or int16; 1-D mono or 2-D ``[samples, channels]``)
with ``sample_rate=``. Voiceprints are numpy float32 arrays. Every error is a
subclass of :class:`VoiceprintError`. ``decode`` gives the mono float32 samples
of any such input.

Diarization: ``Diarizer(encoder, "models/silero_vad.onnx", known=vp).run(audio)``
gives a ``Diarization`` (segments, speakers with gender and known voice;
``to_rttm``, ``to_json``), with or without subtitles (``parse_srt``);
``diarization_error_rate`` scores it against a reference. ``GenderClassifier``
is the gender head on voiceprints.

Images: ``ImageEncoder`` (any ONNX vision model plus a preprocessing profile:
keras-mobilenetv2, torchvision, clip or a dict) and ``ImageIndex`` (embed, add,
search) take paths, ``bytes`` of a JPEG/PNG/WebP/BMP/GIF/TIFF file, PIL images
or numpy uint8 arrays HxW / HxWx3 / HxWx4.

Mix and master style: ``analyze(audio)`` gives a ``StyleAnalysis`` (EBU R128
loudness and LRA, true peak, overloads, crest factor, stereo image, 1/3-octave
spectrum, log-mel mean) of every channel; ``StyleMatcher().compare(mix,
master)`` a ``StyleComparison`` (gain to match, EQ curve, STFT distances);
``StyleIndex`` a library of reference styles searched by ``nearest``. Arrays
here are float32 / float64, 1-D mono or 2-D ``[frames, channels]``.
"""
from ._voiceprint import (  # noqa: F401
    AudioTooLongError,
    AudioTooShortError,
    CancelledError,
    CorruptInputError,
    CorruptRecordError,
    DimensionMismatchError,
    EmptyInputError,
    EncryptionMismatchError,
    EnrollResult,
    Identification,
    InferenceError,
    InputTooLargeError,
    InvalidArgumentError,
    InvalidIdError,
    InvalidModelSpecError,
    InvalidSampleRateError,
    IoError,
    MalformedInputError,
    Match,
    ModelLoadError,
    ModelMismatchError,
    NonFiniteSamplesError,
    RuntimeInitError,
    RuntimeNotFoundError,
    SchemaTooNewError,
    SpeakerEncoder,
    SpeakerInfo,
    SpeakerNotFoundError,
    HnswOptions,
    Store,
    StoreAuthError,
    StoreError,
    StoreUnreachableError,
    UnsupportedFormatError,
    VerifyResult,
    VoiceprintError,
    WrongKeyError,
    Voiceprints,
    __version__,
    cosine,
    decode,
    onnxruntime_info,
)
from ._voiceprint import (  # noqa: F401
    DerReport,
    Diarization,
    Diarizer,
    GenderClassifier,
    GenderPrediction,
    KnownVoice,
    Segment,
    Speaker,
    Subtitle,
    diarization_error_rate,
    parse_srt,
    read_srt,
    subtitles_from_spans,
)
from ._voiceprint import (  # noqa: F401
    ImageEncoder,
    ImageIndex,
    ImageMatch,
    ImageRecord,
    image_profile,
)
from ._voiceprint import (  # noqa: F401
    Overload,
    StyleAnalysis,
    StyleComparison,
    StyleIndex,
    StyleMatch,
    StyleMatcher,
    analyze,
    log_mel_spectrogram,
    third_octave_bands,
)

__all__ = [name for name in dir() if not name.startswith("_")] + ["__version__"]
