"""voiceprint.analyze, StyleMatcher, StyleIndex and the spectral helpers.

Ground truth: EBU Tech 3341's 1 kHz sine, and scripts/style_fixtures.py's two
materials (A, B) rendered through known EQ, gain and limiter chains, with the
exact band response of each chain in manifest.json. The fixtures are made
once per session in a temporary folder."""
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import voiceprint
from conftest import LIBRISPEECH, ROOT, _require

RATE = 48000
STYLES = ["flat", "low_shelf", "high_cut", "mid_dip", "smile", "lofi", "limited"]
LINEAR_STYLES = ["low_shelf", "high_cut", "mid_dip", "smile", "lofi"]


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory):
    """OUT_DIR of scripts/style_fixtures.py and its manifest, keyed by file name."""
    _require(LIBRISPEECH, "provided beside the checkout as ../shared/data")
    out = tmp_path_factory.mktemp("style-fixtures")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "style_fixtures.py"), str(out)],
                   check=True, capture_output=True)
    manifest = json.loads((out / "manifest.json").read_text())
    return out, {f["file"]: f for f in manifest["files"]}


def sine(seconds, dbfs=-23.0, hz=1000.0, rate=RATE):
    t = np.arange(int(seconds * rate)) / rate
    return (10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def stereo(x):
    return np.stack([x, x], axis=1)


def no_nan(value):
    """Whether a to_dict() value holds no NaN anywhere."""
    if isinstance(value, dict):
        return all(no_nan(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(no_nan(v) for v in value)
    return not (isinstance(value, float) and math.isnan(value))


# --- analyze ------------------------------------------------------------------

def test_a_1khz_stereo_sine_at_minus_23_dbfs_reads_minus_23_lufs():
    """EBU Tech 3341 case 1."""
    a = voiceprint.analyze(stereo(sine(20.0)), RATE)
    assert a.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert a.momentary_max_lufs == pytest.approx(-23.0, abs=0.1)
    assert a.short_term_max_lufs == pytest.approx(-23.0, abs=0.1)
    assert (a.sample_rate, a.channels, a.layout) == (RATE, 2, "L R")
    assert a.duration == pytest.approx(20.0)
    assert a.loudness_range_lu == pytest.approx(0.0, abs=0.1) and a.loudness_range_note is None
    assert a.sample_peak_dbfs == pytest.approx(-23.0, abs=0.01)
    assert a.true_peak_dbtp == pytest.approx(-23.0, abs=0.1)
    assert a.true_peak.dtype == np.float64 and a.true_peak.shape == (2,)
    np.testing.assert_allclose(a.sample_peak, 10 ** (-23 / 20), rtol=1e-3)
    assert a.crest_factor_db == pytest.approx(3.01, abs=0.02)  # a sine's peak / RMS
    assert a.correlation == pytest.approx(1.0) and a.side_to_mid_db == -100.0
    assert not a.clipped and a.overload.sample_ratio == 0.0 and a.overload.ceiling_dbtp == -1.0
    assert a.bands_hz[int(np.argmax(a.band_levels_db))] == pytest.approx(1000.0, rel=1e-3)


def test_a_mono_array_is_one_channel():
    """BS.1770: one channel of a -23 dBFS sine is 3 dB below the stereo pair."""
    a = voiceprint.analyze(sine(10.0), RATE)
    assert (a.channels, a.layout) == (1, "M")
    assert a.integrated_lufs == pytest.approx(-26.0, abs=0.1)
    assert a.correlation is None and a.side_to_mid_db is None


def test_silence_has_no_loudness_and_says_why_there_is_no_lra():
    a = voiceprint.analyze(np.zeros((5 * RATE, 2), np.float32), RATE)
    assert a.integrated_lufs is None
    assert a.momentary_max_lufs is None and a.short_term_max_lufs is None
    assert a.loudness_range_lu is None and a.loudness_range_note
    assert a.true_peak_dbtp is None and a.sample_peak_dbfs is None
    assert a.plr_db is None and a.rms_dbfs is None and a.crest_factor_db is None
    assert np.all(np.isneginf(a.short_term_curve))
    assert no_nan(a.to_dict())


def test_a_one_second_clip_has_loudness_but_no_lra():
    a = voiceprint.analyze(stereo(sine(1.0)), RATE)
    assert a.integrated_lufs == pytest.approx(-23.0, abs=0.2)
    assert a.loudness_range_lu is None
    assert "3 s" in a.loudness_range_note


def test_curves_step_every_100_ms():
    a = voiceprint.analyze(stereo(sine(4.0)), RATE)
    assert a.curve_step == pytest.approx(0.1)
    for curve in (a.short_term_curve, a.momentary_curve):
        assert curve.dtype == np.float32 and len(curve) == 40
    assert a.momentary_curve[-1] == pytest.approx(-23.0, abs=0.1)


def test_every_kind_of_input_gives_the_same_analysis(fixtures):
    out, _ = fixtures
    path = out / "A_flat.wav"
    import soundfile as sf

    samples, rate = sf.read(path, dtype="float32")
    by_path = voiceprint.analyze(str(path))
    assert voiceprint.analyze(path) == by_path  # os.PathLike
    assert voiceprint.analyze(path.read_bytes()) == by_path
    assert voiceprint.analyze(samples, rate) == by_path
    assert voiceprint.analyze(np.asfortranarray(samples), rate) == by_path
    assert voiceprint.analyze(np.repeat(samples, 2, axis=0)[::2], rate) == by_path  # strided
    f64 = voiceprint.analyze(samples.astype(np.float64), rate)
    assert f64 == by_path


def test_array_errors():
    with pytest.raises(voiceprint.UnsupportedFormatError, match="9 channels"):
        voiceprint.analyze(np.zeros((RATE, 9), np.float32), RATE)
    with pytest.raises(voiceprint.InvalidArgumentError, match="sample_rate"):
        voiceprint.analyze(sine(1.0))
    with pytest.raises(voiceprint.InvalidArgumentError, match="2-D"):
        voiceprint.analyze(np.zeros((10, 2, 2), np.float32), RATE)
    with pytest.raises(TypeError, match="float32"):
        voiceprint.analyze(np.zeros(RATE, np.int16), RATE)
    with pytest.raises(voiceprint.EmptyInputError):
        voiceprint.analyze(np.zeros((0, 2), np.float32), RATE)
    bad = stereo(sine(1.0))
    bad[100, 1] = np.nan
    with pytest.raises(voiceprint.NonFiniteSamplesError):
        voiceprint.analyze(bad, RATE)
    with pytest.raises(voiceprint.InvalidSampleRateError):
        voiceprint.analyze(sine(1.0), 0)
    with pytest.raises(TypeError, match="path, bytes or a numpy array"):
        voiceprint.analyze(3)
    with pytest.raises(voiceprint.IoError):
        voiceprint.analyze("/nonexistent/mix.wav")


def test_options_reach_core_and_are_checked():
    x = stereo(sine(2.0, dbfs=-0.5))
    a = voiceprint.analyze(x, RATE, ceiling_dbtp=-1.0, mel_bins=32)
    assert a.overload.ceiling_dbtp == -1.0 and a.overload.sample_ratio > 0.1
    assert a.mel_db_mean.shape == (32,)
    assert voiceprint.analyze(x, RATE, ceiling_dbtp=0.0).overload.sample_ratio == 0.0
    with pytest.raises(voiceprint.InvalidArgumentError, match="mel_bins"):
        voiceprint.StyleMatcher(mel_bins=0)
    with pytest.raises(voiceprint.InvalidArgumentError, match="ceiling_dbtp"):
        voiceprint.StyleMatcher(ceiling_dbtp=float("nan"))
    m = voiceprint.StyleMatcher(ceiling_dbtp=-2.0, mel_bins=40)
    assert (m.ceiling_dbtp, m.mel_bins) == (-2.0, 40)
    assert repr(m) == "StyleMatcher(ceiling_dbtp=-2.0, mel_bins=40)"


def test_clipping_is_counted():
    x = np.clip(sine(2.0, dbfs=6.0), -1.0, 1.0)
    a = voiceprint.analyze(stereo(x), RATE)
    assert a.clipped and a.overload.clipped and a.overload.clipped_samples > 1000


def test_to_dict_holds_every_attribute_as_plain_values():
    a = voiceprint.analyze(stereo(sine(4.0)), RATE)
    d = a.to_dict()
    for name, value in d.items():
        attr = getattr(a, name)
        if isinstance(attr, np.ndarray):
            assert isinstance(value, list) and np.allclose(attr, value), name
        elif name == "overload":
            assert value == attr.to_dict()
        else:
            assert value == attr, name
    assert len(a.style_vector) == len(d["style_vector"]) == 35
    json.dumps(d)
    assert repr(a).startswith('StyleAnalysis(sample_rate=48000, layout="L R", duration=4.00, integrated_lufs=-2')


# --- StyleMatcher.compare -------------------------------------------------------

def test_a_6_db_quieter_reference_asks_for_minus_6_db(fixtures):
    out, _ = fixtures
    c = voiceprint.StyleMatcher().compare(out / "A_flat.wav", out / "A_gain_m6.wav")
    assert c.gain_to_match_db == pytest.approx(-6.0, abs=0.1)
    assert c.loudness_error_lu == pytest.approx(6.0, abs=0.1)
    assert np.max(np.abs(c.eq_curve_db)) < 0.5  # a gain is no EQ
    assert c.matched_true_peak_dbtp == pytest.approx(c.target_true_peak_dbtp - 6.0, abs=0.01)
    assert c.spectral_convergence is not None and c.spectral_convergence < 0.01
    assert c.stft_distance == (c.spectral_convergence, c.log_magnitude_l1)
    assert c.sample_rates == (RATE, RATE) and c.channels == (2, 2) and c.spectral_rate == RATE


@pytest.mark.parametrize("material", ["A", "B"])
@pytest.mark.parametrize("style", LINEAR_STYLES)
def test_the_eq_curve_recovers_the_filter(fixtures, material, style):
    out, files = fixtures
    c = voiceprint.StyleMatcher().compare(out / f"{material}_flat.wav", out / f"{material}_{style}.wav")
    response = np.array(files[f"{material}_{style}.wav"]["band_response_db"])
    assert c.bands_hz.dtype == np.float32 and c.eq_curve_db.dtype == np.float32
    assert len(c.eq_curve_db) == len(response) == 30
    shaped = np.abs(response) > 0.5
    err = np.abs(c.eq_curve_db - response)[shaped]
    assert np.all(err < 1.0), dict(zip(c.bands_hz[shaped].round(), err.round(2)))


def test_compare_takes_arrays_at_their_own_rates():
    x = stereo(sine(4.0, dbfs=-20.0, hz=440.0))
    y = stereo(sine(4.0, dbfs=-26.0, hz=440.0, rate=44100))
    c = voiceprint.StyleMatcher().compare(x, y, target_rate=RATE, reference_rate=44100)
    assert c.sample_rates == (RATE, 44100) and c.spectral_rate == 44100
    assert c.gain_to_match_db == pytest.approx(-6.0, abs=0.1)
    assert any("44100" in n for n in c.notes)
    d = c.to_dict()
    assert d["sample_rates"] == (RATE, 44100) and d["notes"] == c.notes
    json.dumps(d)
    with pytest.raises(voiceprint.InvalidArgumentError, match="sample_rate"):
        voiceprint.StyleMatcher().compare(x, y, target_rate=RATE)


def test_a_silent_reference_gives_none_not_nan():
    c = voiceprint.StyleMatcher().compare(stereo(sine(4.0)), np.zeros((4 * RATE, 2), np.float32),
                                          target_rate=RATE, reference_rate=RATE)
    assert c.gain_to_match_db is None and c.loudness_error_lu is None
    assert c.reference_true_peak_dbtp is None and c.matched_true_peak_dbtp is None
    assert any("silent" in n for n in c.notes)
    assert no_nan(c.to_dict())


# --- StyleIndex -----------------------------------------------------------------

@pytest.fixture(scope="module")
def b_index(fixtures):
    out, _ = fixtures
    index = voiceprint.StyleIndex()
    for style in STYLES:
        index.add(style, out / f"B_{style}.wav", labels={"material": "B"})
    return index


@pytest.mark.parametrize("style", STYLES)
def test_the_nearest_reference_has_the_same_style(fixtures, b_index, style):
    out, _ = fixtures
    found = b_index.nearest(out / f"A_{style}.wav", k=len(STYLES))
    assert [m.distance for m in found] == sorted(m.distance for m in found)
    assert found[0].id == style, [(m.id, round(m.distance, 3)) for m in found]


def test_the_index_keeps_analyses_and_compares_on_request(fixtures, b_index):
    out, _ = fixtures
    assert len(b_index) == len(STYLES) and b_index.list() == sorted(STYLES)
    stored = b_index.get("low_shelf")
    assert stored.integrated_lufs == pytest.approx(voiceprint.analyze(out / "B_low_shelf.wav").integrated_lufs)
    assert len(stored.short_term_curve) == 0  # curves are not stored
    assert b_index.get("missing") is None
    hits = b_index.nearest(out / "A_flat.wav", k=2, with_comparison=True)
    assert len(hits) == 2 and all(isinstance(h.comparison, voiceprint.StyleComparison) for h in hits)
    assert hits[0].comparison.stft_distance is None and hits[0].comparison.style_distance == pytest.approx(hits[0].distance)
    assert b_index.nearest(out / "A_flat.wav", k=1)[0].comparison is None
    assert repr(b_index) == f"StyleIndex(path=None, references={len(STYLES)})"
    with pytest.raises(voiceprint.InvalidArgumentError):
        b_index.nearest(out / "A_flat.wav", k=0)


def test_add_remove_and_silent_references():
    index = voiceprint.StyleIndex()
    a = index.add("tone", stereo(sine(4.0)), RATE)
    assert isinstance(a, voiceprint.StyleAnalysis) and index.list() == ["tone"]
    with pytest.raises(voiceprint.EmptyInputError):
        index.add("hush", np.zeros((RATE, 2), np.float32), RATE)
    assert index.remove("tone") and not index.remove("tone") and len(index) == 0


def test_a_sqlite_index_reopened_keeps_its_references(fixtures, tmp_path):
    out, _ = fixtures
    db = tmp_path / "styles.db"
    first = voiceprint.StyleIndex(db)
    for style in ("flat", "lofi", "smile"):
        first.add(style, out / f"B_{style}.wav")
    before = first.nearest(out / "A_lofi.wav", k=3)
    stored = first.get("smile")
    del first
    again = voiceprint.StyleIndex(str(db))
    assert again.path == str(db) and len(again) == 3 and again.list() == ["flat", "lofi", "smile"]
    assert again.get("smile") == stored
    after = again.nearest(out / "A_lofi.wav", k=3)
    assert [(m.id, m.distance) for m in after] == [(m.id, m.distance) for m in before]
    assert after[0].id == "lofi"


def test_add_folder_skips_what_does_not_decode(fixtures, tmp_path):
    out, _ = fixtures
    for style in ("flat", "lofi"):
        shutil.copy(out / f"B_{style}.wav", tmp_path / f"{style}.wav")
    (tmp_path / "notes.txt").write_text("not audio")
    index = voiceprint.StyleIndex()
    calls = []
    skipped = index.add_folder(tmp_path, progress=calls.append)
    assert index.list() == ["flat", "lofi"]
    assert [os.path.basename(p) for p, _ in skipped] == ["notes.txt"] and skipped[0][1]
    assert calls == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_add_folder_cancelled_by_its_callback(fixtures, tmp_path):
    out, _ = fixtures
    for style in ("flat", "lofi", "smile"):
        shutil.copy(out / f"B_{style}.wav", tmp_path / f"{style}.wav")
    index = voiceprint.StyleIndex()
    with pytest.raises(voiceprint.CancelledError):
        index.add_folder(tmp_path, progress=lambda f: False)
    assert index.list() == ["flat"]  # what was added stays

    class Boom(Exception):
        pass

    def explode(f):
        raise Boom(f"at {f:.2f}")

    with pytest.raises(Boom, match="at 0.33"):
        index.add_folder(tmp_path, progress=explode)
    with pytest.raises(TypeError, match="callable"):
        index.add_folder(tmp_path, progress=3)
    with pytest.raises(voiceprint.IoError):
        index.add_folder(tmp_path / "missing")


# --- spectral helpers -----------------------------------------------------------

def test_log_mel_spectrogram_and_the_band_centres():
    x = sine(1.0, dbfs=-6.0)
    mel = voiceprint.log_mel_spectrogram(x, RATE)
    assert mel.dtype == np.float32 and mel.shape == ((RATE - 2048) // 512 + 1, 64)
    assert voiceprint.log_mel_spectrogram(x.astype(np.float64), RATE, n_mels=40, n_fft=1024, hop=256).shape == (
        (RATE - 1024) // 256 + 1, 40)
    assert mel.min() >= -100.0
    bands = voiceprint.third_octave_bands()
    assert bands.shape == (30,) and bands[16] == pytest.approx(1000.0)
    assert bands[0] == pytest.approx(25.12, abs=0.01) and bands[-1] == pytest.approx(19952.6, abs=0.1)
    np.testing.assert_allclose(voiceprint.analyze(x, RATE).bands_hz, bands, rtol=1e-6)
    with pytest.raises(TypeError, match="1-D"):
        voiceprint.log_mel_spectrogram(stereo(x), RATE)
    with pytest.raises(voiceprint.InvalidArgumentError):
        voiceprint.log_mel_spectrogram(x, RATE, hop=0)


# --- threads ----------------------------------------------------------------------

def test_the_gil_is_released_during_analysis():
    """A Python thread counts while the main thread analyses; were the GIL
    held, its longest pause would be the whole analysis."""
    x = np.random.default_rng(0).standard_normal((60 * RATE, 2)).astype(np.float32) * 0.1
    stop = threading.Event()
    progress = {"count": 0, "longest": 0.0}

    def count():
        last = time.perf_counter()
        while not stop.is_set():
            progress["count"] += 1
            now = time.perf_counter()
            progress["longest"], last = max(progress["longest"], now - last), now

    counter = threading.Thread(target=count)
    counter.start()
    t0 = time.perf_counter()
    voiceprint.analyze(x, RATE)
    took = time.perf_counter() - t0
    stop.set()
    counter.join()
    assert progress["count"] > 1000
    assert progress["longest"] < took / 2, f"counter paused {progress['longest']:.3f} s during a {took:.3f} s analysis"


def test_analyses_from_two_threads_agree(fixtures):
    out, _ = fixtures
    matcher = voiceprint.StyleMatcher()
    expected = matcher.analyze(out / "B_smile.wav")
    results, errors = [], []

    def work():
        try:
            results.append(matcher.analyze(out / "B_smile.wav"))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 2 and all(r == expected for r in results)
