"""Style analysis speed, side by side: voiceprint.analyze against the peer
Python stack (soundfile + pyloudnorm + librosa) on the same long 48 kHz
stereo float WAV, one thread each.

  benches/setup_style_peer.sh [--skip-build]       # once
  .venv-style-bench/bin/python benches/style_side_by_side.py [--seconds 300] [--repeats 5] [--json OUT]

The audio is deterministic and broadband: scripts/style_fixtures.py's two
materials (voice over kick, chords, pink noise and hi-hats) through its style
chains, 12 s pieces in a fixed order, written as a 32-bit float WAV into a
temporary folder.

peer = soundfile.read (float64, its default) + pyloudnorm.Meter(rate)
.integrated_loudness + librosa STFT magnitudes at n_fft 512, 1024 and 2048
(hop n_fft / 4) of the mono mix (float32, as librosa.load gives) +
librosa.feature.melspectrogram(n_mels=128) and power_to_db.
voiceprint = voiceprint.analyze(path), decode included, giving a
StyleAnalysis (integrated loudness, LRA, true peak, band spectrum, log-mel
summary).

Both are warmed up once on a short clip (imports, filter banks, first-call
costs), untimed; then the repeats alternate peer and voiceprint and the
median wall time of each is reported as a real-time factor (audio seconds /
wall seconds). Timings are of a shared machine: rerun before quoting.
"""

import os

# One thread everywhere, set before numpy, numba or voiceprint load.
for _var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "RAYON_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import style_fixtures as fixtures  # noqa: E402

PEER_STAGES = ("read", "loudness", "stft_512", "stft_1024", "stft_2048", "mel_db")


def make_materials():
    return {name: fixtures.material(p["voice"], p["seed"], p["bpm"], p["kick_hz"], p["chord"])
            for name, p in fixtures.MATERIALS.items()}


def make_audio(path, seconds, materials):
    """seconds of 48 kHz stereo: the fixtures' materials A and B in turn, each
    through the styles in order, 12 s pieces cut to length."""
    styles = list(fixtures.STYLES)
    pieces, total, i = [], 0, 0
    frames = int(round(seconds * fixtures.SR))
    while total < frames:
        name = "AB"[i % 2]
        piece = fixtures.render(materials[name], styles[(i // 2) % len(styles)])
        pieces.append(piece)
        total += len(piece)
        i += 1
    y = np.concatenate(pieces)[:frames].astype(np.float32)
    fixtures.write_float_wav(path, y)
    return frames / fixtures.SR


class Peer:
    name = "peer (soundfile + pyloudnorm + librosa)"

    def __init__(self):
        import librosa
        import pyloudnorm
        import soundfile
        self.librosa, self.pyloudnorm, self.soundfile = librosa, pyloudnorm, soundfile

    def run(self, path):
        """Returns (seconds per stage, integrated loudness)."""
        lr = self.librosa
        t = {}
        t0 = time.perf_counter()
        x, rate = self.soundfile.read(path)
        t1 = time.perf_counter()
        t["read"] = t1 - t0
        lufs = self.pyloudnorm.Meter(rate).integrated_loudness(x)
        t2 = time.perf_counter()
        t["loudness"] = t2 - t1
        mono = x.mean(axis=1).astype(np.float32) if x.ndim == 2 else x.astype(np.float32)
        for n_fft in (512, 1024, 2048):
            a = time.perf_counter()
            np.abs(lr.stft(mono, n_fft=n_fft, hop_length=n_fft // 4))
            t[f"stft_{n_fft}"] = time.perf_counter() - a
        a = time.perf_counter()
        mel = lr.feature.melspectrogram(y=mono, sr=rate, n_mels=128)
        lr.power_to_db(mel, ref=np.max)
        t["mel_db"] = time.perf_counter() - a
        return t, float(lufs)


class Voiceprint:
    name = "voiceprint.analyze"

    def __init__(self):
        import voiceprint
        if not hasattr(voiceprint, "analyze"):
            raise ImportError(f"voiceprint {getattr(voiceprint, '__version__', '?')} at "
                              f"{os.path.dirname(voiceprint.__file__)} has no analyze() (built before the style module?)")
        self.vp = voiceprint

    def run(self, path):
        t0 = time.perf_counter()
        result = self.vp.analyze(path)
        return time.perf_counter() - t0, result


def summary_of(result):
    """A few numbers of a StyleAnalysis, whichever of these names it has."""
    out = {}
    for name in ("integrated_lufs", "integrated_loudness", "loudness_range_lu", "loudness_range",
                 "true_peak_dbtp", "true_peak"):
        v = getattr(result, name, None)
        if isinstance(v, (int, float)):
            out[name] = float(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="length of the test audio (default 300)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs of each side (default 5); medians reported")
    ap.add_argument("--json", metavar="OUT", help="write the numbers here")
    args = ap.parse_args()

    peer = Peer()
    try:
        vp = Voiceprint()
        vp_why = None
    except Exception as e:  # ImportError, or a broken build failing to load
        vp, vp_why = None, f"{type(e).__name__}: {e}"

    with tempfile.TemporaryDirectory(prefix="style-bench-") as tmp:
        path = os.path.join(tmp, "style-bench.wav")
        warm = os.path.join(tmp, "warm-up.wav")
        t0 = time.perf_counter()
        materials = make_materials()
        audio_s = make_audio(path, args.seconds, materials)
        make_audio(warm, 12.0, materials)
        print(f"test audio: {audio_s:.0f} s, 48 kHz stereo float32 WAV, "
              f"{os.path.getsize(path) / 1e6:.0f} MB (made in {time.perf_counter() - t0:.1f} s)")

        peer.run(warm)
        if vp is not None:
            try:
                vp.run(warm)
            except Exception as e:
                vp, vp_why = None, f"voiceprint.analyze failed on the warm-up clip: {type(e).__name__}: {e}"

        peer_runs, vp_runs, peer_lufs, vp_summary = [], [], None, {}
        for r in range(args.repeats):
            stages, peer_lufs = peer.run(path)
            peer_runs.append(stages)
            line = f"  run {r + 1}/{args.repeats}: peer {sum(stages.values()):.2f} s"
            if vp is not None:
                seconds, result = vp.run(path)
                vp_runs.append(seconds)
                vp_summary = summary_of(result)
                line += f", voiceprint {seconds:.2f} s"
            print(line, flush=True)

    peer_total = statistics.median(sum(s.values()) for s in peer_runs)
    peer_stage = {k: statistics.median(s[k] for s in peer_runs) for k in PEER_STAGES}
    peer_rtf = audio_s / peer_total
    print(f"\n{'':44s} {'median s':>9s} {'x real time':>12s}")
    print(f"{peer.name:44s} {peer_total:9.3f} {peer_rtf:12.1f}")
    for k in PEER_STAGES:
        print(f"  {k:42s} {peer_stage[k]:9.3f} {audio_s / peer_stage[k]:12.1f}")
    print(f"  pyloudnorm integrated loudness: {peer_lufs:.2f} LUFS")
    numbers = {
        "audio_seconds": audio_s, "sample_rate": fixtures.SR, "channels": 2, "repeats": args.repeats,
        "threads": 1,
        "peer": {"median_s": peer_total, "rtf": peer_rtf, "stages_median_s": peer_stage,
                 "integrated_lufs": peer_lufs, "runs_s": [sum(s.values()) for s in peer_runs]},
    }
    if vp is not None:
        vp_total = statistics.median(vp_runs)
        vp_rtf = audio_s / vp_total
        print(f"{vp.name:44s} {vp_total:9.3f} {vp_rtf:12.1f}")
        for k, v in vp_summary.items():
            print(f"  {k}: {v:.2f}")
        print(f"voiceprint / peer: {vp_rtf / peer_rtf:.1f}x")
        numbers["voiceprint"] = {"median_s": vp_total, "rtf": vp_rtf, "runs_s": vp_runs, "summary": vp_summary}
        numbers["speedup"] = vp_rtf / peer_rtf
    else:
        print(f"voiceprint: not timed ({vp_why})")
        numbers["voiceprint"] = None
        numbers["voiceprint_skipped"] = vp_why
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
