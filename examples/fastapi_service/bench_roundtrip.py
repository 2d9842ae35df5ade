"""Times a register + identify round trip through the FastAPI service.

    .venv/bin/python examples/fastapi_service/bench_roundtrip.py [LIBRISPEECH_DIR] [--rounds N]

Cuts a 5-s clip (1 s to 6 s) from a LibriSpeech utterance, with the library's
own decoder, as a 16-bit WAV upload; then, through FastAPI's TestClient (the
whole ASGI app in process: multipart parsing, auth, the thread pool, the
library), registers it as a new speaker and identifies it, N times (default
20), one warm-up round first, and prints the median. Each round registers a
new id, so identify searches a growing store (at most N + 1 speakers).

LIBRISPEECH_DIR defaults to ../shared/data/librispeech-train-clean-100 beside
the checkout; without it the benchmark says so and exits 0.
"""
import argparse
import io
import os
import pathlib
import statistics
import sys
import tempfile
import time
import wave

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "librispeech-train-clean-100"
# A speaker that none of examples/audio's clips come from.
UTTERANCE = "1081-125237-0000.flac"
TOKEN = "bench-token"


def five_second_wav(flac: pathlib.Path) -> bytes:
    import voiceprint

    samples, rate = voiceprint.decode(flac)
    clip = samples[rate : 6 * rate]
    if len(clip) < 5 * rate:
        raise SystemExit(f"{flac} is shorter than 6 s")
    pcm = np.clip(np.round(clip * 32767.0), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=pathlib.Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    flac = args.data / UTTERANCE
    if not flac.exists():
        candidates = sorted(args.data.glob("*.flac")) if args.data.is_dir() else []
        if not candidates:
            print(f"skipped: no LibriSpeech FLAC files in {args.data}")
            return 0
        flac = candidates[0]
    data = five_second_wav(flac)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VOICEPRINT_DB"] = str(pathlib.Path(tmp) / "bench.db")
        os.environ["VOICEPRINT_TOKEN"] = TOKEN
        sys.path.insert(0, str(HERE))
        from fastapi.testclient import TestClient

        import app as service_app

        with TestClient(service_app.app) as client:
            client.headers["Authorization"] = f"Bearer {TOKEN}"

            def round_trip(speaker_id: str) -> float:
                upload = {"file": ("clip.wav", data, "audio/wav")}
                t0 = time.perf_counter()
                r1 = client.post("/api/v1/voiceprint/register", data={"speaker_id": speaker_id}, files=upload)
                r2 = client.post("/api/v1/voiceprint/identify", files=upload)
                elapsed = time.perf_counter() - t0
                assert r1.status_code == 200 and r2.status_code == 200, (r1.text, r2.text)
                assert r2.json()["speaker_id"] is not None, r2.text
                return elapsed

            round_trip("warm-up")
            times = [round_trip(f"spk{i}") for i in range(args.rounds)]

    ms = sorted(1000.0 * t for t in times)
    print(f"clip: 5.0 s of {flac.name}, 16 kHz 16-bit WAV upload ({len(data)} bytes)")
    print(f"register + identify round trip through FastAPI (TestClient), {args.rounds} rounds: "
          f"median {statistics.median(ms):.1f} ms (min {ms[0]:.1f}, max {ms[-1]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
