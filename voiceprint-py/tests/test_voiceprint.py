"""The voiceprint Python API against the real GE2E model on real speech."""
import io
import json
import os
import pathlib
import pydoc
import subprocess
import sys
import threading
import time
import wave

import numpy as np
import pytest

import voiceprint
from conftest import ROOT, SPEAKERS, clip


def wav_bytes(samples_i16: np.ndarray, rate: int = 16000, channels: int = 1) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples_i16.astype("<i2").tobytes())
    return buf.getvalue()


def pcm_of(encoder_path: pathlib.Path) -> np.ndarray:
    """The int16 samples of a committed 16-bit WAV fixture."""
    with wave.open(str(encoder_path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").copy()


SPEECH_WAV = ROOT / "voiceprint-core" / "tests" / "fixtures" / "audio" / "speech_2s.wav"


def test_embed_accepts_paths_bytes_and_arrays(encoder):
    e_path = encoder.embed(str(SPEECH_WAV))
    assert e_path.dtype == np.float32 and e_path.shape == (encoder.dim,)
    assert abs(float(np.linalg.norm(e_path)) - 1.0) < 1e-5
    np.testing.assert_allclose(encoder.embed(SPEECH_WAV), e_path, atol=1e-6)  # os.PathLike
    np.testing.assert_allclose(encoder.embed(SPEECH_WAV.read_bytes()), e_path, atol=1e-6)
    pcm = pcm_of(SPEECH_WAV)
    np.testing.assert_allclose(encoder.embed(pcm, sample_rate=16000), e_path, atol=1e-6)
    f32 = pcm.astype(np.float32) / 32768.0
    np.testing.assert_allclose(encoder.embed(f32, sample_rate=16000), e_path, atol=1e-5)
    np.testing.assert_allclose(encoder.embed(f32.astype(np.float64), sample_rate=16000), e_path, atol=1e-5)
    stereo = np.stack([f32, f32], axis=1)  # [samples, channels]
    np.testing.assert_allclose(encoder.embed(stereo, sample_rate=16000), e_path, atol=1e-5)
    # Another rate is resampled: 2 s at 8 kHz embeds close to the original.
    at8k = np.ascontiguousarray(f32[::2])
    assert float(np.dot(encoder.embed(at8k, sample_rate=8000), e_path)) > 0.8


def test_embed_batch_equals_single(encoder):
    files = [clip(f"{s}-enroll.flac") for s in SPEAKERS]
    batch = encoder.embed_batch(files)
    assert len(batch) == len(files)
    for f, b in zip(files, batch):
        np.testing.assert_allclose(b, encoder.embed(f), atol=1e-5)


def test_properties_and_repr(encoder):
    assert encoder.model_id == "ge2e-resemblyzer"
    assert encoder.dim == 256 and encoder.sample_rate == 16000
    assert encoder.provider == "cpu"
    assert "ge2e-resemblyzer" in repr(encoder)
    version, lib = voiceprint.onnxruntime_info()
    assert version and "onnxruntime" in lib
    assert voiceprint.__version__


def test_enroll_verify_identify_manage(encoder, tmp_path):
    store = voiceprint.Store.open(tmp_path / "s.db", encoder.model_id, encoder.dim)
    vp = voiceprint.Voiceprints(encoder, store)
    for s in SPEAKERS:
        r = vp.enroll(s, [clip(f"{s}-enroll.flac")])
        assert r.speaker_id == s and r.enrollment_count == 1 and not r.updated
    assert len(vp) == 4 and vp.list() == sorted(SPEAKERS) and len(store) == 4
    for s in SPEAKERS:
        v = vp.verify(s, clip(f"{s}-test.flac"))
        assert v.accepted and v.status == "active" and v.threshold == pytest.approx(0.75), v
        who = vp.identify(clip(f"{s}-test.flac"), k=3)
        assert who.best.speaker_id == s and len(who.matches) == 3
        assert [m.score for m in who.matches] == sorted((m.score for m in who.matches), reverse=True)
    # Candidates restrict the answer; a high per-call threshold makes it unknown.
    who = vp.identify(clip("103-test.flac"), k=4, candidates=["1034", "1040"])
    assert {m.speaker_id for m in who.matches} <= {"1034", "1040"}
    assert vp.identify(clip("103-test.flac"), threshold=0.99).best is None
    # 1040 against 1069 scores 0.48 (cargo run --example speakers -- scores examples/audio).
    assert not vp.verify("1069", clip("1040-test.flac")).accepted
    # Re-enrolment adds to the average.
    assert vp.enroll("103", clip("103-test.flac")).enrollment_count == 2
    info = vp.get("103")
    assert info.enrollment_count == 2 and info.vector.dtype == np.float32 and info.status == "active"
    assert info.updated_at >= info.created_at > 1.6e9
    # Disable / enable.
    vp.set_status("1034", "disabled")
    assert not vp.verify("1034", clip("1034-test.flac")).accepted
    assert all(m.speaker_id != "1034" for m in vp.identify(clip("1034-test.flac"), k=4).matches)
    vp.set_status("1034", "active")
    assert vp.remove("1040") and not vp.remove("1040")
    assert vp.get("1040") is None
    # Reopening the file gives the same answers.
    before = vp.identify(clip("1069-test.flac"), k=3)
    del vp, store
    store2 = voiceprint.Store.open(tmp_path / "s.db")
    vp2 = voiceprint.Voiceprints(encoder, store2)
    after = vp2.identify(clip("1069-test.flac"), k=3)
    assert [(m.speaker_id, m.score) for m in after.matches] == [(m.speaker_id, m.score) for m in before.matches]
    assert len(vp2) == 3


def test_every_error_kind_is_a_voiceprint_error(encoder, tmp_path):
    vp = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim))
    cases = [
        (voiceprint.IoError, lambda: encoder.embed(str(tmp_path / "missing.wav"))),
        (voiceprint.UnsupportedFormatError, lambda: encoder.embed(b"definitely not audio" * 10)),
        (voiceprint.AudioTooShortError, lambda: encoder.embed(np.zeros(1600, np.float32), sample_rate=16000)),
        (voiceprint.NonFiniteSamplesError, lambda: encoder.embed(np.full(16000, np.nan, np.float32), sample_rate=16000)),
        (voiceprint.InvalidSampleRateError, lambda: encoder.embed(np.zeros(16000, np.float32), sample_rate=0)),
        (voiceprint.InvalidArgumentError, lambda: encoder.embed(np.zeros(16000, np.float32))),
        (voiceprint.SpeakerNotFoundError, lambda: vp.verify("ghost", clip("103-test.flac"))),
        (voiceprint.SpeakerNotFoundError, lambda: vp.set_status("ghost", "disabled")),
        (voiceprint.InvalidArgumentError, lambda: vp.set_status("ghost", "sleeping")),
        (voiceprint.InvalidIdError, lambda: vp.enroll("", clip("103-test.flac"))),
        (voiceprint.EmptyInputError, lambda: vp.enroll("x", [])),
        (voiceprint.ModelMismatchError, lambda: voiceprint.Voiceprints(encoder, voiceprint.Store.memory("other", 256))),
        (voiceprint.DimensionMismatchError, lambda: voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, 3))),
        (voiceprint.ModelLoadError, lambda: voiceprint.SpeakerEncoder(tmp_path / "none.onnx", "ge2e-resemblyzer")),
        (voiceprint.InvalidModelSpecError, lambda: voiceprint.SpeakerEncoder(ROOT / "models" / "ge2e-resemblyzer.onnx", "nope")),
        (voiceprint.DimensionMismatchError, lambda: voiceprint.cosine(np.ones(2, np.float32), np.ones(3, np.float32))),
        (voiceprint.StoreError, lambda: voiceprint.Store.open(SPEECH_WAV)),
    ]
    for exc, call in cases:
        with pytest.raises(exc) as info:
            call()
        assert isinstance(info.value, voiceprint.VoiceprintError)
        assert str(info.value)
    with pytest.raises(TypeError):
        encoder.embed(np.zeros(16000, np.int32), sample_rate=16000)
    with pytest.raises(TypeError):
        encoder.embed(12345)
    # A truncated file is corrupt, not a crash.
    data = (ROOT / "voiceprint-core" / "tests" / "fixtures" / "audio" / "speech_2s.flac").read_bytes()
    with pytest.raises(voiceprint.VoiceprintError):
        encoder.embed(data[: len(data) // 3])


def test_cosine():
    a = np.array([1, 0], np.float32)
    b = np.array([1, 1], np.float32)
    assert voiceprint.cosine(a, b) == pytest.approx(0.70710677)


def test_identify_from_eight_threads_matches_single_thread(encoder):
    vp = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim))
    for s in SPEAKERS:
        vp.enroll(s, clip(f"{s}-enroll.flac"))
    tests = [clip(f"{s}-test.flac") for s in SPEAKERS]
    expected = [[(m.speaker_id, m.score) for m in vp.identify(t, k=4).matches] for t in tests]
    results, errors = {}, []

    def worker(n):
        try:
            for i, t in enumerate(tests):
                results[(n, i)] = [(m.speaker_id, m.score) for m in vp.identify(t, k=4).matches]
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for (n, i), got in results.items():
        assert got == expected[i]
    assert len(results) == 8 * len(tests)


def test_scores_equal_the_rust_api(encoder):
    """The Rust example prints every test-clip x speaker score at full precision."""
    cmd = ["cargo", "run", "--release", "-q", "-p", "voiceprint-examples", "--example", "speakers", "--",
           "scores", str(ROOT / "examples" / "audio")]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "CARGO_TARGET_DIR": os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))})
    rust = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(rust) == 16
    vp = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim))
    for s in SPEAKERS:
        vp.enroll(s, clip(f"{s}-enroll.flac"))
    for r in rust:
        py = vp.verify(r["speaker"], clip(r["file"])).score
        assert py == pytest.approx(r["score"], abs=1e-5), r


def test_librispeech_speakers_are_told_apart(encoder, librispeech):
    """20 LibriSpeech speakers enrolled from FLAC files; the example test clips
    (4 of those speakers) are identified among them."""
    files = sorted(librispeech.glob("*.flac"))[:20]
    vp = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim))
    for f in files:
        vp.enroll(f.name.split("-")[0], f)
    assert len(vp) == 20
    for s in SPEAKERS:
        who = vp.identify(clip(f"{s}-test.flac"), k=5)
        assert who.best is not None and who.best.speaker_id == s, who.matches


def test_input_limits_and_corrupt_input_raise_their_own_errors(encoder):
    store = voiceprint.Store.memory(encoder.model_id, encoder.dim)
    small = voiceprint.Voiceprints(encoder, store, max_bytes=1000)
    with pytest.raises(voiceprint.InputTooLargeError, match="1000"):
        small.enroll("x", clip("103-enroll.flac"))
    short = voiceprint.Voiceprints(encoder, store, max_seconds=1.0)
    with pytest.raises(voiceprint.AudioTooLongError):
        short.enroll("x", clip("103-enroll.flac"))
    with pytest.raises(voiceprint.InvalidArgumentError, match="max_seconds"):
        voiceprint.Voiceprints(encoder, store, max_seconds=0.0).enroll("x", clip("103-enroll.flac"))
    # A FLAC file cut inside its first audio frame: a known format, damaged.
    flac = clip("103-enroll.flac").read_bytes()
    with pytest.raises(voiceprint.CorruptInputError):
        encoder.embed(flac[:9000])
    assert len(store) == 0


def test_runtime_not_found_in_a_fresh_process(model_path):
    """One ONNX Runtime per process, so a wrong library path is tried in a new one."""
    code = (
        "import voiceprint\n"
        "try:\n"
        f"    voiceprint.SpeakerEncoder({str(model_path)!r}, 'ge2e-resemblyzer', ort_library='/nonexistent/libonnxruntime.so')\n"
        "except voiceprint.RuntimeNotFoundError as e:\n"
        "    assert isinstance(e, voiceprint.VoiceprintError) and '/nonexistent' in str(e), e\n"
        "    print('raised')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "raised", out.stderr


def test_decode_gives_mono_float32_samples():
    samples, rate = voiceprint.decode(SPEECH_WAV)
    pcm = pcm_of(SPEECH_WAV)
    assert samples.dtype == np.float32 and rate == 16000 and samples.shape == pcm.shape
    np.testing.assert_allclose(samples, pcm / 32768.0, atol=1e-6)
    from_bytes, _ = voiceprint.decode(SPEECH_WAV.read_bytes())
    np.testing.assert_array_equal(from_bytes, samples)
    stereo = np.stack([pcm, pcm], axis=1)
    mono, _ = voiceprint.decode(stereo, sample_rate=16000)
    np.testing.assert_allclose(mono, samples, atol=1e-6)
    at8k, rate8k = voiceprint.decode(SPEECH_WAV, resample_to=8000)
    assert rate8k == 8000 and abs(len(at8k) - len(samples) // 2) <= 2
    with pytest.raises(voiceprint.UnsupportedFormatError):
        voiceprint.decode(b"definitely not audio" * 10)
    with pytest.raises(voiceprint.InvalidSampleRateError):
        voiceprint.decode(SPEECH_WAV, resample_to=0)


def test_identify_vectors_equals_identify_row_by_row(encoder):
    vp = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim))
    for s in SPEAKERS:
        vp.enroll(s, clip(f"{s}-enroll.flac"))
    tests = [clip(f"{s}-test.flac") for s in SPEAKERS]
    vectors = np.stack([vp.embed(t) for t in tests])

    def flat(who):
        best = None if who.best is None else (who.best.speaker_id, who.best.score)
        return [(m.speaker_id, m.score) for m in who.matches], best, who.threshold

    for kw in [{}, {"k": 4}, {"k": 4, "candidates": ["1034", "1040"]}, {"k": 2, "threshold": 0.99}]:
        batch = vp.identify_vectors(vectors, **kw)
        assert [type(b) for b in batch] == [voiceprint.Identification] * len(tests)
        assert [flat(b) for b in batch] == [flat(vp.identify(t, **kw)) for t in tests], kw
    # Fortran order and float64 (converted) give the same answers.
    expected = [flat(b) for b in vp.identify_vectors(vectors, k=3)]
    assert [flat(b) for b in vp.identify_vectors(np.asfortranarray(vectors), k=3)] == expected
    assert [flat(b) for b in vp.identify_vectors(vectors.astype(np.float64), k=3)] == expected
    assert [flat(b) for b in vp.identify_vectors(vectors[::-1], k=3)] == expected[::-1]  # strided
    for bad, err in [
        (vectors[0], voiceprint.InvalidArgumentError),  # 1-D
        (vectors[None], voiceprint.InvalidArgumentError),  # 3-D
        (vectors[:0], voiceprint.InvalidArgumentError),  # no rows
        ("not a matrix", voiceprint.InvalidArgumentError),
        (vectors[:, :-1], voiceprint.DimensionMismatchError),
        (vectors.reshape(2 * len(tests), encoder.dim // 2), voiceprint.DimensionMismatchError),
    ]:
        with pytest.raises(err):
            vp.identify_vectors(bad)
    with pytest.raises(voiceprint.InvalidArgumentError):
        vp.identify_vectors(vectors, k=0)


def test_the_gil_is_released_while_embedding(encoder):
    """A Python thread keeps running while another thread embeds 60 s of audio:
    were the GIL held, its longest pause would be the whole embedding."""
    pcm = np.tile(pcm_of(SPEECH_WAV), 30)  # 60 s
    t0 = time.perf_counter()
    encoder.embed(pcm, sample_rate=16000)
    alone = time.perf_counter() - t0
    done = threading.Event()

    def embed():
        encoder.embed(pcm, sample_rate=16000)
        done.set()

    worker = threading.Thread(target=embed)
    last, longest = time.perf_counter(), 0.0
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    worker.join()
    assert longest < alone / 2, f"main thread paused {longest:.3f} s during a {alone:.3f} s embedding"


def test_help_reads_well():
    text = pydoc.render_doc(voiceprint.Voiceprints, renderer=pydoc.plaintext)
    assert ">>>" in text
    for method in ["enroll", "verify", "identify", "remove", "get", "list", "set_status"]:
        assert method in text
    assert "max_seconds" in text
    assert voiceprint.decode.__doc__ and ">>>" in voiceprint.decode.__doc__


def test_vad_embeds_speech_and_refuses_silence(encoder):
    vad_model = ROOT / "models" / "silero_vad.onnx"
    if not vad_model.exists():
        if os.environ.get("CI") in ("true", "1"):
            pytest.fail(f"{vad_model} missing in CI: run scripts/setup.sh")
        pytest.skip(f"{vad_model} not found: run scripts/setup.sh")
    plain = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim))
    with_vad = voiceprint.Voiceprints(encoder, voiceprint.Store.memory(encoder.model_id, encoder.dim),
                                      vad=vad_model)
    silence = np.zeros(3 * 16000, dtype=np.float32)
    # Without VAD, 3 s of silence is long enough to embed; with it there is no speech.
    plain.enroll("nobody", silence, sample_rate=16000)
    with pytest.raises(voiceprint.AudioTooShortError, match="speech|short"):
        with_vad.enroll("nobody", silence, sample_rate=16000)
    # Speech padded with 2 s of silence on each side gives the voiceprint the
    # speech alone gives: the VAD cuts the padding away.
    speech, rate = voiceprint.decode(clip("1034-enroll.flac"), resample_to=16000)
    pad = np.zeros(2 * rate, dtype=np.float32)
    with_vad.enroll("padded", np.concatenate([pad, speech, pad]), sample_rate=rate)
    with_vad.enroll("bare", speech, sample_rate=rate)
    same = voiceprint.cosine(with_vad.get("padded").vector, with_vad.get("bare").vector)
    assert same > 0.98, same  # 0.986 here; without VAD the padding costs 0.07 (0.928)
    plain.enroll("padded", np.concatenate([pad, speech, pad]), sample_rate=rate)
    plain.enroll("bare", speech, sample_rate=rate)
    assert voiceprint.cosine(plain.get("padded").vector, plain.get("bare").vector) < same
