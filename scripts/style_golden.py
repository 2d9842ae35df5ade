"""Golden loudness numbers for voiceprint's style analysis: EBU R 128 /
ITU-R BS.1770 measurements of LibriSpeech signals by libebur128 (through
pyebur128) and pyloudnorm, for the Rust tests to match.

    python3 -m venv /tmp/stylelab
    /tmp/stylelab/bin/pip install -r scripts/requirements-style-golden.txt
    /tmp/stylelab/bin/python scripts/style_golden.py

Writes voiceprint-core/tests/fixtures/style/loudness_golden.json (committed)
and prints pyloudnorm's integrated loudness against libebur128's.

Cases, from ../shared/data/librispeech-train-clean-100 read by soundfile as
float64 (exactly int16 / 32768):
  mono:<name>          one file as is;
  stereo:<a>+<b>       L = a, R = 0.5 b;
  surround51:<a..f>    L R C LFE Ls Rs (WAV / SMPTE order) = a, b, 0.5 c, d,
                       0.25 e, 0.25 f.
Multichannel cases are truncated to the shortest input. Every factor is a
power of two, so the Rust side rebuilds the very same samples in f32.

libebur128 runs with every measurement mode (I, LRA, M, S, sample peak, true
peak) and the channel map L, R, C, unused (LFE: BS.1770-4 leaves it out), Ls,
Rs. The signal goes in as consecutive chunks of sample_rate / 10 frames (the
last one shorter); after each chunk, the first one included, momentary and
short-term loudness are read, and their maxima (ignoring -inf) recorded.
libebur128's windows are zero-filled before the first 400 ms / 3 s of input,
so the early polls see the signal padded with silence.
"""

import json
import math
from pathlib import Path

import numpy as np
import pyebur128
import pyloudnorm
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = "../shared/data/librispeech-train-clean-100"  # relative to the repository root
OUT = ROOT / "voiceprint-core/tests/fixtures/style/loudness_golden.json"

MONO = ["103-1240-0000", "1034-121119-0000", "1040-133433-0000",
        "1069-133699-0000", "1081-125237-0000", "1088-129236-0000"]
STEREO = [("103-1240-0000", "1034-121119-0000"),
          ("1040-133433-0000", "1069-133699-0000"),
          ("1081-125237-0000", "1088-129236-0000")]
SURROUND51 = MONO  # a..f
STEREO_FACTORS = [1.0, 0.5]
SURROUND51_FACTORS = [1.0, 1.0, 0.5, 1.0, 0.25, 0.25]
SURROUND51_LAYOUT = ["L", "R", "C", "LFE", "Ls", "Rs"]

CT = pyebur128.ChannelType
EBUR128_MAPS = {
    1: [CT.LEFT],  # libebur128's default for one channel: weight 1, no dual-mono
    2: [CT.LEFT, CT.RIGHT],
    6: [CT.LEFT, CT.RIGHT, CT.CENTER, CT.UNUSED, CT.LEFT_SURROUND, CT.RIGHT_SURROUND],
}
MODE_ALL = (pyebur128.MeasurementMode.MODE_I | pyebur128.MeasurementMode.MODE_LRA
            | pyebur128.MeasurementMode.MODE_M | pyebur128.MeasurementMode.MODE_S
            | pyebur128.MeasurementMode.MODE_SAMPLE_PEAK | pyebur128.MeasurementMode.MODE_TRUE_PEAK)


def read(name):
    x, sr = sf.read(ROOT / DATA_DIR / f"{name}.flac", dtype="float64")
    assert x.ndim == 1 and sr == 16000, (name, x.shape, sr)
    return x, sr


def build(names, factors):
    signals, rates = zip(*(read(n) for n in names))
    assert len(set(rates)) == 1
    frames = min(len(s) for s in signals)
    x = np.stack([f * s[:frames] for s, f in zip(signals, factors)], axis=1)
    return x, rates[0]


def finite_or_none(v):
    return v if math.isfinite(v) else None


def ebur128(x, sr):
    frames, channels = x.shape
    state = pyebur128.R128State(channels, sr, MODE_ALL)
    for ch, kind in enumerate(EBUR128_MAPS[channels]):
        state.set_channel(ch, kind)
    chunk = sr // 10
    m_max = s_max = -math.inf
    for start in range(0, frames, chunk):
        part = np.ascontiguousarray(x[start:start + chunk]).reshape(-1)
        state.add_frames(part, part.size // channels)
        m_max = max(m_max, pyebur128.get_loudness_momentary(state))
        s_max = max(s_max, pyebur128.get_loudness_shortterm(state))
    return {
        "integrated_lufs": finite_or_none(pyebur128.get_loudness_global(state)),
        "loudness_range_lu": finite_or_none(pyebur128.get_loudness_range(state)),
        "momentary_max_lufs": finite_or_none(m_max),
        "short_term_max_lufs": finite_or_none(s_max),
        "sample_peak": [pyebur128.get_sample_peak(state, ch) for ch in range(channels)],
        "true_peak": [pyebur128.get_true_peak(state, ch) for ch in range(channels)],
    }


def pyloudnorm_integrated(x, sr):
    """pyloudnorm's integrated loudness, or (None, why) when it refuses."""
    try:
        return float(pyloudnorm.Meter(sr).integrated_loudness(x)), None
    except ValueError as e:
        return None, f"pyloudnorm {version('pyloudnorm')} raises ValueError: {e}"


def case(kind, names, factors, layout):
    x, sr = build(names, factors)
    label = {"mono": f"mono:{names[0]}", "stereo": f"stereo:{'+'.join(names)}",
             "surround51": f"surround51:{','.join(names)}"}[kind]
    ref = ebur128(x, sr)
    pln, why = pyloudnorm_integrated(x if x.shape[1] > 1 else x[:, 0], sr)
    out = {
        "name": label,
        "kind": kind,
        "frames": int(x.shape[0]),
        "sample_rate": int(sr),
        "channels": int(x.shape[1]),
        "layout": layout,
        "inputs": [{"file": f"{n}.flac", "factor": f} for n, f in zip(names, factors)],
        "ebur128": ref,
        "pyloudnorm": {"integrated_lufs": pln},
    }
    if why is not None:
        # What pyloudnorm gives once LFE is dropped (its five-channel order is L R C Ls Rs,
        # the same weights 1, 1, 1, 1.41, 1.41 as BS.1770-4 and libebur128).
        five, _ = pyloudnorm_integrated(np.delete(x, 3, axis=1), sr)
        out["pyloudnorm"]["integrated_lufs_without_lfe"] = five
        out["pyloudnorm_note"] = (
            f"{why} (meter.py's channel gains G = [1, 1, 1, 1.41, 1.41] cover five channels and "
            "util.valid_audio refuses more, so LFE is neither weighted nor skipped: the call fails). "
            "integrated_lufs_without_lfe is pyloudnorm on L, R, C, Ls, Rs.")
    return out


def main():
    cases = [case("mono", [n], [1.0], ["M"]) for n in MONO]
    cases += [case("stereo", list(p), STEREO_FACTORS, ["L", "R"]) for p in STEREO]
    cases.append(case("surround51", SURROUND51, SURROUND51_FACTORS, SURROUND51_LAYOUT))

    header = f"{'case':58s} {'pyloudnorm':>11s} {'libebur128':>11s} {'diff LU':>8s}"
    rows = [header]
    diffs = []
    for c in cases:
        e = c["ebur128"]["integrated_lufs"]
        p = c["pyloudnorm"]["integrated_lufs"]
        alt = ""
        if p is None and c["pyloudnorm"].get("integrated_lufs_without_lfe") is not None:
            p = c["pyloudnorm"]["integrated_lufs_without_lfe"]
            alt = "  (pyloudnorm fails on 6 ch; without LFE)"
        d = p - e
        diffs.append(abs(d))
        c["pyloudnorm_minus_ebur128_lu"] = d
        rows.append(f"{c['name']:58s} {p:11.4f} {e:11.4f} {d:+8.4f}{alt}")
    summary = (f"pyloudnorm {version('pyloudnorm')} vs libebur128 {pyebur128.get_libebur128_version()} "
               f"(pyebur128 {version('pyebur128')}), integrated loudness: max |diff| {max(diffs):.4f} LU, "
               f"mean |diff| {np.mean(diffs):.4f} LU over {len(diffs)} cases")
    calibration = sine_check()
    print("\n".join(rows))
    print(summary)
    print("\n".join(calibration))

    doc = {
        "generator": "scripts/style_golden.py",
        "reference": {
            "ebur128": f"libebur128 {pyebur128.get_libebur128_version()} via pyebur128 {version('pyebur128')}",
            "pyloudnorm": f"pyloudnorm {version('pyloudnorm')}, Meter(rate) defaults (K-weighting, 400 ms blocks, 75 % overlap)",
        },
        "data_dir": DATA_DIR,
        "read_as": "soundfile float64 (int16 / 32768); each channel = factor * input, truncated to the shortest input",
        "ebur128_mode": "I | LRA | M | S | SAMPLE_PEAK | TRUE_PEAK",
        "ebur128_channel_map": {"1": ["LEFT"], "2": ["LEFT", "RIGHT"],
                                "6": ["LEFT", "RIGHT", "CENTER", "UNUSED", "LEFT_SURROUND", "RIGHT_SURROUND"]},
        "max_polling": "signal fed in consecutive chunks of sample_rate/10 frames (last one shorter); after every "
                       "chunk, the first included, momentary and short-term loudness are read; maxima ignore -inf",
        "peaks": "linear amplitude per channel (sample_peak, true_peak as libebur128 reports them)",
        "mono_files": MONO,
        "notes": rows + [summary] + calibration,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


def sine_check():
    """Where the offset comes from: a steady 997 Hz sine, amplitude 0.1, mono,
    reads 10 log10(0.005) - 0.691 + K(997 Hz) = -23.01 LUFS by BS.1770's 48 kHz
    coefficients. The standard gives coefficients at 48 kHz only; each meter
    derives its own at other rates (pyloudnorm from analog shelf / high-pass
    parameters, fc 1500 Hz, G 4 dB, Q 1/sqrt 2; libebur128 from the 48 kHz
    filter's poles and zeros), which is most of the difference at 16 kHz."""
    lines = []
    for sr in (48000, 16000):
        y = 0.1 * np.sin(2.0 * np.pi * 997.0 * np.arange(10 * sr) / sr)
        state = pyebur128.R128State(1, sr, pyebur128.MeasurementMode.MODE_I)
        state.add_frames(y, y.size)
        e = pyebur128.get_loudness_global(state)
        p = pyloudnorm.Meter(sr).integrated_loudness(y)
        lines.append(f"997 Hz sine, amplitude 0.1, 10 s at {sr} Hz (expected -23.01 LUFS at 48 kHz): "
                     f"pyloudnorm {p:.4f}, libebur128 {e:.4f}, diff {p - e:+.4f} LU")
    return lines


def version(dist):
    from importlib.metadata import version as v
    return v(dist)


if __name__ == "__main__":
    main()
