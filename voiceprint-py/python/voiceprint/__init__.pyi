"""Type stubs of the voiceprint extension module."""
import os
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

AudioLike = Union[str, os.PathLike, bytes, bytearray, npt.NDArray[np.float32], npt.NDArray[np.float64], npt.NDArray[np.int16]]

class VoiceprintError(Exception): ...
class IoError(VoiceprintError): ...
class UnsupportedFormatError(VoiceprintError): ...
class CorruptInputError(VoiceprintError): ...
class EmptyInputError(VoiceprintError): ...
class AudioTooShortError(VoiceprintError): ...
class AudioTooLongError(VoiceprintError): ...
class NonFiniteSamplesError(VoiceprintError): ...
class InvalidSampleRateError(VoiceprintError): ...
class InputTooLargeError(VoiceprintError): ...
class RuntimeNotFoundError(VoiceprintError): ...
class RuntimeInitError(VoiceprintError): ...
class ModelLoadError(VoiceprintError): ...
class InvalidModelSpecError(VoiceprintError): ...
class InferenceError(VoiceprintError): ...
class DimensionMismatchError(VoiceprintError): ...
class ModelMismatchError(VoiceprintError): ...
class SpeakerNotFoundError(VoiceprintError): ...
class InvalidIdError(VoiceprintError): ...
class InvalidArgumentError(VoiceprintError): ...
class StoreError(VoiceprintError): ...
class MalformedInputError(VoiceprintError): ...
class CancelledError(VoiceprintError): ...

class SpeakerEncoder:
    """A speaker-embedding model: audio in, a unit-length float32 voiceprint out.

    >>> enc = SpeakerEncoder("models/ge2e-resemblyzer.onnx", "ge2e-resemblyzer")
    >>> enc.embed("alice.wav").shape
    (256,)
    """
    def __init__(self, model_path: Union[str, os.PathLike], preset: Optional[str] = None, *, provider: str = "cpu", threads: int = 0, ort_library: Optional[Union[str, os.PathLike]] = None) -> None: ...
    def embed(self, audio: AudioLike, sample_rate: Optional[int] = None) -> npt.NDArray[np.float32]: ...
    def embed_batch(self, audios: Sequence[AudioLike], sample_rate: Optional[int] = None) -> List[npt.NDArray[np.float32]]: ...
    @property
    def model_id(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def default_threshold(self) -> float: ...
    @property
    def provider(self) -> str: ...

class HnswOptions:
    """Options of a store's approximate HNSW index; built once the store holds ``min_records``."""
    min_records: int
    connectivity: int
    expansion_add: int
    expansion_search: int
    quantization: str
    def __init__(self, min_records: Optional[int] = None, connectivity: Optional[int] = None, expansion_add: Optional[int] = None, expansion_search: Optional[int] = None, quantization: Optional[str] = None) -> None: ...

class Store:
    """An SQLite file (``Store.open``) or in-memory (``Store.memory``) voiceprint store."""
    @staticmethod
    def open(path: Union[str, os.PathLike], model_id: Optional[str] = None, dim: Optional[int] = None, *, storage: str = "f32", compressed_scan: bool = True, hnsw: Optional[HnswOptions] = None) -> "Store": ...
    @staticmethod
    def memory(model_id: str, dim: int, *, storage: str = "f32", compressed_scan: bool = True, hnsw: Optional[HnswOptions] = None) -> "Store": ...
    @property
    def model_id(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def storage(self) -> str: ...
    @property
    def vector_bytes(self) -> int: ...
    def list(self) -> List[str]: ...
    def upsert_vectors(self, ids: Sequence[str], vectors: npt.ArrayLike) -> None: ...
    def search(self, query: npt.ArrayLike, k: int = 10, candidates: Optional[Sequence[str]] = None) -> Tuple[List[str], npt.NDArray[np.float32]]: ...
    def search_batch(self, queries: npt.ArrayLike, k: int = 10, candidates: Optional[Sequence[str]] = None) -> Tuple[List[List[str]], List[npt.NDArray[np.float32]]]: ...
    def remove(self, id: str) -> bool: ...
    def flush(self) -> None: ...
    def hnsw_state(self) -> Dict[str, Any]: ...
    def rebuild_hnsw(self) -> None: ...
    def __len__(self) -> int: ...

class VerifyResult:
    score: float
    threshold: float
    accepted: bool
    status: str

class Match:
    speaker_id: str
    score: float

class Identification:
    matches: List[Match]
    best: Optional[Match]
    threshold: float

class EnrollResult:
    speaker_id: str
    enrollment_count: int
    updated: bool

class SpeakerInfo:
    speaker_id: str
    vector: npt.NDArray[np.float32]
    status: str
    created_at: float
    updated_at: float
    enrollment_count: int
    labels: Dict[str, str]

class Voiceprints:
    """Enrol, verify, identify and manage speakers.

    >>> vp = Voiceprints(enc, Store.memory(enc.model_id, enc.dim))
    >>> vp.enroll("alice", ["alice-1.wav", "alice-2.wav"]).enrollment_count
    2
    """
    def __init__(self, encoder: SpeakerEncoder, store: Store, threshold: Optional[float] = None, *, max_bytes: Optional[int] = None, max_seconds: Optional[float] = None, vad: Optional[Union[str, os.PathLike]] = None) -> None: ...
    def enroll(self, speaker_id: str, audio: Union[AudioLike, Sequence[AudioLike]], sample_rate: Optional[int] = None) -> EnrollResult: ...
    def verify(self, speaker_id: str, audio: AudioLike, threshold: Optional[float] = None, sample_rate: Optional[int] = None) -> VerifyResult: ...
    def identify(self, audio: AudioLike, k: int = 1, candidates: Optional[Sequence[str]] = None, threshold: Optional[float] = None, sample_rate: Optional[int] = None) -> Identification: ...
    def identify_vectors(self, vectors: npt.NDArray[np.floating], k: int = 1, candidates: Optional[Sequence[str]] = None, threshold: Optional[float] = None) -> List[Identification]:
        """`identify` for a 2-D array (n, dim) of voiceprints (e.g. from `embed`): one Identification per row."""
    def embed(self, audio: AudioLike, sample_rate: Optional[int] = None) -> npt.NDArray[np.float32]: ...
    def remove(self, speaker_id: str) -> bool: ...
    def get(self, speaker_id: str) -> Optional[SpeakerInfo]: ...
    def list(self) -> List[str]: ...
    def set_status(self, speaker_id: str, status: str) -> None: ...
    @property
    def threshold(self) -> float: ...
    def __len__(self) -> int: ...

def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float: ...
def decode(audio: AudioLike, sample_rate: Optional[int] = None, *, resample_to: Optional[int] = None) -> Tuple[npt.NDArray[np.float32], int]:
    """Decodes audio to mono float32 samples: ``(samples, sample_rate)``.

    >>> samples, rate = decode("speech.flac", resample_to=16000)
    """
    ...
def onnxruntime_info() -> Optional[Tuple[str, str]]: ...

# --- diarization ------------------------------------------------------------

class Subtitle:
    """One subtitle cue: its number in the file, its times in seconds, its text."""
    index: int
    start: float
    end: float
    text: str
    def __init__(self, index: int, start: float, end: float, text: str = "") -> None: ...

def parse_srt(text: str) -> List[Subtitle]:
    """Parses SRT text; ``MalformedInputError`` names the line to fix.

    >>> parse_srt("1\n00:00:01,500 --> 00:00:03,000\nHello\n")[0].start
    1.5
    """
    ...
def read_srt(path: Union[str, os.PathLike]) -> List[Subtitle]: ...
def subtitles_from_spans(spans: Sequence[Tuple[float, float]]) -> List[Subtitle]: ...

SubtitlesLike = Union[str, os.PathLike, Sequence[Subtitle], Sequence[Tuple[float, float]]]
"""An SRT path, SRT text (a ``str`` containing ``-->``), or a list of
``Subtitle`` or ``(start, end)`` pairs in seconds."""

GenderName = Literal["female", "male", "unknown"]

class Segment:
    """One stretch of speech attributed to one speaker."""
    start: float
    end: float
    speaker: str
    confidence: float
    subtitle_index: Optional[int]
    @property
    def duration(self) -> float: ...

class KnownVoice:
    """An enrolled voice a speaker was matched to."""
    id: str
    score: float

class Speaker:
    """One speaker of a diarization."""
    label: str
    speech_seconds: float
    turns: int
    centroid: npt.NDArray[np.float32]
    gender: Optional[GenderName]
    female_probability: Optional[float]
    median_f0_hz: Optional[float]
    known: Optional[KnownVoice]
    best_candidate: Optional[KnownVoice]

class Diarization:
    """Who spoke when: the result of ``Diarizer.run``.

    >>> result = diarizer.run("meeting.wav")
    >>> print(result.to_rttm("meeting"))
    """
    @staticmethod
    def from_json(text: str) -> "Diarization": ...
    @property
    def duration(self) -> float: ...
    @property
    def speech_seconds(self) -> float: ...
    @property
    def segments(self) -> List[Segment]: ...
    @property
    def speakers(self) -> List[Speaker]: ...
    @property
    def model_id(self) -> str: ...
    @property
    def num_speakers(self) -> int: ...
    @property
    def is_empty(self) -> bool: ...
    def speaker(self, label: str) -> Optional[Speaker]: ...
    def to_rttm(self, file_id: str = "audio") -> str: ...
    def write_rttm(self, path: Union[str, os.PathLike], file_id: str = "audio") -> None: ...
    def to_json(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...

class GenderPrediction:
    female_probability: float
    gender: GenderName

class GenderClassifier:
    """Gender from a voiceprint, bound to one speaker model.

    >>> head = GenderClassifier.builtin(enc.model_id)
    >>> head.predict(enc.embed("alice.wav")).gender
    'female'
    """
    @staticmethod
    def builtin(model_id: str) -> Optional["GenderClassifier"]:
        """The head shipped for ``model_id``, or None when the library has none."""
        ...
    @staticmethod
    def builtin_model_ids() -> List[str]: ...
    @staticmethod
    def load(path: Union[str, os.PathLike]) -> "GenderClassifier": ...
    @staticmethod
    def from_json(json: str) -> "GenderClassifier": ...
    @staticmethod
    def train(
        model_id: str,
        embeddings: Union[npt.NDArray[np.float32], npt.NDArray[np.float64]],
        labels: Sequence[str],
        *,
        l2: Optional[float] = None,
        max_iterations: Optional[int] = None,
        tolerance: Optional[float] = None,
        margin: Optional[float] = None,
    ) -> "GenderClassifier":
        """Fits a head on rows of voiceprints labelled "female" / "male" (both needed)."""
        ...
    def predict(self, vector: npt.NDArray[np.float32]) -> GenderPrediction: ...
    def predict_many(self, embeddings: Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]) -> GenderPrediction:
        """One prediction for several voiceprints of one speaker (their normalised mean)."""
        ...
    def to_json(self) -> str: ...
    def save(self, path: Union[str, os.PathLike]) -> None: ...
    @property
    def model_id(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def margin(self) -> float: ...
    @margin.setter
    def margin(self, value: float) -> None: ...
    @property
    def weights(self) -> npt.NDArray[np.float32]: ...
    @property
    def bias(self) -> float: ...

class Diarizer:
    """Who spoke when, with or without subtitles; names the speakers it knows.

    >>> diarizer = Diarizer(enc, "models/silero_vad.onnx", known=vp)
    >>> [(s.start, s.end, s.speaker) for s in diarizer.run("meeting.wav").segments]

    Keyword settings left out take core's ``DiarizerConfig`` defaults (see
    ``config``); ``extend_margin_db=None`` keeps the VAD's turn edges.
    """
    def __init__(
        self,
        encoder: SpeakerEncoder,
        vad: Union[str, os.PathLike],
        *,
        known: Optional[Voiceprints] = None,
        gender: Union[Literal["builtin"], GenderClassifier, None] = "builtin",
        method: Optional[Literal["agglomerative", "ahc", "spectral"]] = None,
        threshold: Optional[float] = None,
        window_seconds: Optional[float] = None,
        hop_seconds: Optional[float] = None,
        p_percentile: Optional[float] = None,
        max_auto_speakers: Optional[int] = None,
        bridge_seconds: Optional[float] = None,
        extend_margin_db: Optional[float] = ...,
        max_extend_seconds: Optional[float] = None,
        noise_floor_percentile: Optional[float] = None,
        known_threshold: Optional[float] = None,
        speaker_seconds: Optional[float] = None,
        vad_threshold: Optional[float] = None,
        vad_neg_threshold: Optional[float] = None,
        min_speech_ms: Optional[int] = None,
        min_silence_ms: Optional[int] = None,
        speech_pad_ms: Optional[int] = None,
        max_bytes: Optional[int] = None,
        max_seconds: Optional[float] = None,
    ) -> None: ...
    def run(
        self,
        audio: AudioLike,
        subtitles: Optional[SubtitlesLike] = None,
        num_speakers: Optional[int] = None,
        min_speakers: Optional[int] = None,
        max_speakers: Optional[int] = None,
        progress: Optional[Callable[[float], Optional[bool]]] = None,
        sample_rate: Optional[int] = None,
    ) -> Diarization:
        """Diarizes audio; ``progress(fraction)`` returning False raises ``CancelledError``."""
        ...
    def enroll_cluster(self, result: Diarization, label: str, id: str) -> EnrollResult: ...
    @property
    def config(self) -> Dict[str, Union[str, int, float, None]]: ...
    @property
    def known(self) -> Optional[Voiceprints]: ...
    @property
    def gender(self) -> Optional[GenderClassifier]: ...
    @property
    def model_id(self) -> str: ...

class DerReport:
    """The diarization error rate of one file and its components (seconds)."""
    der: float
    total: float
    correct: float
    missed_detection: float
    false_alarm: float
    confusion: float
    mapping: Dict[str, str]
    reference_speakers: int
    hypothesis_speakers: int
    @property
    def speaker_count_correct(self) -> bool: ...

TurnsLike = Union[str, os.PathLike, Diarization, Sequence[Segment], Sequence[Tuple[float, float, str]]]
"""RTTM text or an RTTM path, a ``Diarization``, or ``Segment``s /
``(start, end, speaker)`` triples."""

def diarization_error_rate(reference: TurnsLike, hypothesis: TurnsLike, collar: float = 0.0, *, file_id: Optional[str] = None) -> DerReport:
    """DER as pyannote.metrics computes it; ``collar=0.5`` forgives ±0.25 s.

    >>> diarization_error_rate("conv09.rttm", result, collar=0.5).der
    """
    ...

# --- images -----------------------------------------------------------------
from typing import Any, Protocol

class _PILImage(Protocol):
    """What voiceprint needs of a ``PIL.Image.Image`` (Pillow stays optional)."""
    mode: str
    size: Tuple[int, int]
    def convert(self, mode: str) -> "_PILImage": ...
    def tobytes(self) -> bytes: ...

ImageLike = Union[str, os.PathLike, bytes, bytearray, _PILImage, npt.NDArray[np.uint8]]
"""A JPEG/PNG/WebP/BMP/GIF/TIFF path or its bytes, a PIL image, or a uint8
array HxW (grey), HxWx1, HxWx3 (RGB; BGR with ``channel_order="bgr"``) or HxWx4."""
ChannelOrderName = Literal["rgb", "bgr"]
ImageProfileDict = Dict[str, Any]
"""width, height, resize ("stretch" | "shorter_side_then_center_crop"),
shorter_side (int | None), filter ("nearest" | "bilinear" | "bicubic" |
"lanczos3"), mean, std (3 floats each, RGB, on the [0, 1] scale), layout
("nchw" | "nhwc"), channels ("rgb" | "bgr")."""

def image_profile(name: str) -> ImageProfileDict:
    """The fields of a preprocessing preset (keras-mobilenetv2, torchvision, clip).

    >>> p = image_profile("torchvision"); p["width"] = 160
    >>> enc = ImageEncoder("model.onnx", p)
    """
    ...

class ImageEncoder:
    """An image model: an image in, a float32 feature vector out.

    >>> enc = ImageEncoder("mobilenetv2.onnx", "keras-mobilenetv2", output="features")
    >>> enc.embed("shoe.jpg").shape
    (1280,)
    """
    def __init__(
        self,
        model_path: Union[str, os.PathLike],
        profile: Union[str, ImageProfileDict] = "torchvision",
        *,
        output: Optional[str] = None,
        input: Optional[str] = None,
        model_id: Optional[str] = None,
        normalize: bool = True,
        dim: Optional[int] = None,
        max_batch: int = 16,
        max_pixels: Optional[int] = None,
        max_bytes: Optional[int] = None,
        provider: str = "cpu",
        threads: int = 0,
        ort_library: Optional[Union[str, os.PathLike]] = None,
    ) -> None: ...
    def embed(self, image: ImageLike, *, channel_order: ChannelOrderName = "rgb") -> npt.NDArray[np.float32]:
        """The feature vector of one image, shape ``(dim,)``."""
        ...
    def embed_batch(self, images: Sequence[ImageLike], *, channel_order: ChannelOrderName = "rgb") -> npt.NDArray[np.float32]:
        """Feature vectors of several images, one ``(n, dim)`` array."""
        ...
    def preprocess(self, image: ImageLike, *, channel_order: ChannelOrderName = "rgb") -> npt.NDArray[np.float32]:
        """The model input of one image without the batch axis, e.g. ``(3, 224, 224)``."""
        ...
    @property
    def model_id(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def profile(self) -> ImageProfileDict: ...
    @property
    def normalize(self) -> bool: ...
    @property
    def provider(self) -> str: ...

class ImageMatch:
    id: str
    score: float

class ImageRecord:
    id: str
    vector: npt.NDArray[np.float32]
    status: str
    labels: Dict[str, str]
    created_at_ms: int
    updated_at_ms: int

class ImageIndex:
    """Image feature vectors: embed, add, search by image or by vector.

    >>> index = ImageIndex(enc, Store.open("images.db", enc.model_id, enc.dim))
    >>> index.add("sku-1", "sku-1.jpg"); index.search("upload.webp", k=1)[0].id
    """
    def __init__(self, encoder: ImageEncoder, store: Store) -> None: ...
    def embed(self, image: ImageLike, *, channel_order: ChannelOrderName = "rgb") -> npt.NDArray[np.float32]: ...
    def add(self, id: str, image: ImageLike, labels: Optional[Dict[str, str]] = None, *, channel_order: ChannelOrderName = "rgb") -> bool: ...
    def add_batch(self, ids: Sequence[str], images: Sequence[ImageLike], *, channel_order: ChannelOrderName = "rgb") -> int: ...
    def add_vector(self, id: str, vector: npt.NDArray[np.float32], labels: Optional[Dict[str, str]] = None) -> bool: ...
    def search(self, image: ImageLike, k: int = 5, candidates: Optional[Sequence[str]] = None, *, channel_order: ChannelOrderName = "rgb") -> List[ImageMatch]: ...
    def search_vector(self, vector: npt.NDArray[np.float32], k: int = 5, candidates: Optional[Sequence[str]] = None) -> List[ImageMatch]: ...
    def search_vectors(self, queries: npt.NDArray[np.floating], k: int = 5, candidates: Optional[Sequence[str]] = None) -> Tuple[List[List[str]], List[npt.NDArray[np.float32]]]:
        """`search_vector` for a 2-D array (n, dim) of queries: `(ids, scores)`, per row the ids best first and a float32 array of their scores, of the same length (up to k)."""
    def get(self, id: str) -> Optional[ImageRecord]: ...
    def remove(self, id: str) -> bool: ...
    def list(self) -> List[str]: ...
    def set_status(self, id: str, status: Literal["active", "disabled"]) -> None: ...
    def __len__(self) -> int: ...

# --- mix and master style ---------------------------------------------------

StyleAudioLike = Union[str, os.PathLike, bytes, bytearray, npt.NDArray[np.float32], npt.NDArray[np.float64]]
"""A WAV/FLAC/MP3/OGG/M4A path or its bytes, or a float32 / float64 array,
1-D mono or 2-D ``[frames, channels]`` (mono to 7.1, full scale 1.0), with a
sample rate."""

class Overload:
    """Overloads against the true-peak ceiling, and clipping."""
    ceiling_dbtp: float
    sample_ratio: float
    block_ratio: float
    blocks: int
    clipped_samples: int
    @property
    def clipped(self) -> bool: ...
    def to_dict(self) -> Dict[str, Union[float, int, bool]]: ...

class StyleAnalysis:
    """Every style figure of one signal; levels are None in silence, never NaN.

    >>> a = analyze("master.flac")
    >>> a.integrated_lufs, a.true_peak_dbtp, a.loudness_range_lu
    """
    @property
    def sample_rate(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def layout(self) -> str: ...
    @property
    def duration(self) -> float: ...
    @property
    def integrated_lufs(self) -> Optional[float]: ...
    @property
    def momentary_max_lufs(self) -> Optional[float]: ...
    @property
    def short_term_max_lufs(self) -> Optional[float]: ...
    @property
    def loudness_range_lu(self) -> Optional[float]: ...
    @property
    def loudness_range_note(self) -> Optional[str]:
        """Why there is no loudness range (shorter than 3 s, silence), when there is none."""
        ...
    @property
    def true_peak_dbtp(self) -> Optional[float]: ...
    @property
    def sample_peak_dbfs(self) -> Optional[float]: ...
    @property
    def true_peak(self) -> npt.NDArray[np.float64]:
        """Per channel, linear."""
        ...
    @property
    def sample_peak(self) -> npt.NDArray[np.float64]:
        """Per channel, linear."""
        ...
    @property
    def plr_db(self) -> Optional[float]: ...
    @property
    def crest_factor_db(self) -> Optional[float]: ...
    @property
    def rms_dbfs(self) -> Optional[float]: ...
    @property
    def overload(self) -> Overload: ...
    @property
    def clipped(self) -> bool: ...
    @property
    def correlation(self) -> Optional[float]:
        """Of the front left/right pair; None without one."""
        ...
    @property
    def side_to_mid_db(self) -> Optional[float]: ...
    @property
    def bands_hz(self) -> npt.NDArray[np.float32]: ...
    @property
    def valid_bands(self) -> int: ...
    @property
    def band_levels_db(self) -> npt.NDArray[np.float32]: ...
    @property
    def mel_db_mean(self) -> npt.NDArray[np.float32]: ...
    @property
    def short_term_curve(self) -> npt.NDArray[np.float32]:
        """Every ``curve_step`` s, LUFS; -inf in silence; empty when read from a ``StyleIndex``."""
        ...
    @property
    def momentary_curve(self) -> npt.NDArray[np.float32]: ...
    @property
    def curve_step(self) -> float: ...
    @property
    def style_vector(self) -> npt.NDArray[np.float32]: ...
    def to_dict(self) -> Dict[str, Any]:
        """Every attribute as plain Python values (lists for arrays, ``overload`` as a dict)."""
        ...
    def __eq__(self, other: object) -> bool: ...

class StyleComparison:
    """What differs between a target and a reference (target minus reference,
    except ``eq_curve_db`` and ``gain_to_match_db``: what to do to the target).

    >>> c = StyleMatcher().compare("mix.wav", "reference.flac")
    >>> c.gain_to_match_db, dict(zip(c.bands_hz, c.eq_curve_db))
    """
    @property
    def loudness_error_lu(self) -> Optional[float]: ...
    @property
    def gain_to_match_db(self) -> Optional[float]: ...
    @property
    def target_true_peak_dbtp(self) -> Optional[float]: ...
    @property
    def reference_true_peak_dbtp(self) -> Optional[float]: ...
    @property
    def matched_true_peak_dbtp(self) -> Optional[float]: ...
    @property
    def target_overload_block_ratio(self) -> float: ...
    @property
    def reference_overload_block_ratio(self) -> float: ...
    @property
    def target_overload_sample_ratio(self) -> float: ...
    @property
    def reference_overload_sample_ratio(self) -> float: ...
    @property
    def lra_difference_lu(self) -> Optional[float]: ...
    @property
    def plr_difference_db(self) -> Optional[float]: ...
    @property
    def crest_factor_difference_db(self) -> Optional[float]: ...
    @property
    def correlation_difference(self) -> Optional[float]: ...
    @property
    def side_to_mid_difference_db(self) -> Optional[float]: ...
    @property
    def bands_hz(self) -> npt.NDArray[np.float32]: ...
    @property
    def eq_curve_db(self) -> npt.NDArray[np.float32]: ...
    @property
    def eq_offset_db(self) -> float: ...
    @property
    def stft_distance(self) -> Optional[Tuple[float, float]]:
        """``(spectral_convergence, log_magnitude_l1)``; None from stored analyses."""
        ...
    @property
    def spectral_convergence(self) -> Optional[float]: ...
    @property
    def log_magnitude_l1(self) -> Optional[float]: ...
    @property
    def log_mel_distance_db(self) -> Optional[float]: ...
    @property
    def style_distance(self) -> float: ...
    @property
    def sample_rates(self) -> Tuple[int, int]: ...
    @property
    def channels(self) -> Tuple[int, int]: ...
    @property
    def spectral_rate(self) -> int: ...
    @property
    def notes(self) -> List[str]: ...
    def to_dict(self) -> Dict[str, Any]: ...

def analyze(audio: StyleAudioLike, sample_rate: Optional[int] = None, *, ceiling_dbtp: float = -1.0, mel_bins: int = 64) -> StyleAnalysis:
    """Every style figure of one input; more than 8 channels raise ``UnsupportedFormatError``.

    >>> analyze(np.stack([left, right], axis=1), 48000).integrated_lufs
    """
    ...

class StyleMatcher:
    """Loudness, true peak, spectrum and style comparison of mixes and masters.

    >>> matcher = StyleMatcher(ceiling_dbtp=-1.0)
    >>> matcher.compare("mix.wav", "reference.flac").gain_to_match_db
    """
    def __init__(self, *, ceiling_dbtp: float = -1.0, mel_bins: int = 64) -> None: ...
    def analyze(self, audio: StyleAudioLike, sample_rate: Optional[int] = None) -> StyleAnalysis: ...
    def compare(self, target: StyleAudioLike, reference: StyleAudioLike, *, target_rate: Optional[int] = None, reference_rate: Optional[int] = None) -> StyleComparison: ...
    @property
    def ceiling_dbtp(self) -> float: ...
    @property
    def mel_bins(self) -> int: ...

class StyleMatch:
    id: str
    distance: float
    comparison: Optional[StyleComparison]

class StyleIndex:
    """A library of reference styles (in memory, or an SQLite file), searched by ``nearest``.

    >>> index = StyleIndex("styles.db"); index.add_folder("references/")
    >>> index.nearest("my-mix.wav", k=1)[0].id
    """
    def __init__(self, path: Optional[Union[str, os.PathLike]] = None, *, ceiling_dbtp: float = -1.0, mel_bins: int = 64) -> None: ...
    def add(self, id: str, audio: StyleAudioLike, sample_rate: Optional[int] = None, labels: Optional[Dict[str, str]] = None) -> StyleAnalysis: ...
    def add_folder(self, dir: Union[str, os.PathLike], progress: Optional[Callable[[float], Optional[bool]]] = None) -> List[Tuple[str, str]]:
        """Adds every audio file of a folder; returns the skipped ``(path, message)``; ``progress`` returning False raises ``CancelledError``."""
        ...
    def nearest(self, audio: StyleAudioLike, k: int = 5, sample_rate: Optional[int] = None, with_comparison: bool = False) -> List[StyleMatch]: ...
    def get(self, id: str) -> Optional[StyleAnalysis]: ...
    def remove(self, id: str) -> bool: ...
    def list(self) -> List[str]: ...
    @property
    def path(self) -> Optional[str]: ...
    def __len__(self) -> int: ...

def log_mel_spectrogram(samples: Union[npt.NDArray[np.float32], npt.NDArray[np.float64]], sample_rate: int, *, n_mels: int = 64, n_fft: int = 2048, hop: int = 512) -> npt.NDArray[np.float32]:
    """Log-mel spectrogram ``(frames, n_mels)`` in dB, as librosa's ``power_to_db(melspectrogram(center=False))``."""
    ...
def third_octave_bands() -> npt.NDArray[np.float64]:
    """The 30 base-10 1/3-octave centres, 25 Hz to 20 kHz."""
    ...
