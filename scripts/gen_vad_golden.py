"""Silero VAD speech probabilities computed in Python exactly as silero-vad's
OnnxWrapper does (512-sample frames at 16 kHz, each preceded by the last 64
samples of the previous frame, recurrent state carried), for the Rust test.

    python scripts/gen_vad_golden.py   # needs numpy, onnxruntime, soundfile; models/silero_vad.onnx
Input: examples/audio/1069-enroll.flac with 1 s of silence before and after.
"""
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent


def main():
    wav, sr = sf.read(ROOT / "examples/audio/1069-enroll.flac", dtype="float32")
    assert sr == 16000
    x = np.concatenate([np.zeros(sr, np.float32), wav, np.zeros(sr, np.float32)])
    sess = ort.InferenceSession(str(ROOT / "models/silero_vad.onnx"), providers=["CPUExecutionProvider"])
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros((1, 64), np.float32)
    probs = []
    for i in range(0, len(x), 512):
        chunk = x[i : i + 512]
        chunk = np.pad(chunk, (0, 512 - len(chunk)))[None]
        inp = np.concatenate([context, chunk], axis=1)
        out, state = sess.run(None, {"input": inp, "state": state, "sr": np.array(16000, dtype=np.int64)})
        probs.append(float(out[0, 0]))
        context = inp[:, -64:]
    path = ROOT / "voiceprint-core/tests/fixtures/vad_probs.json"
    path.write_text(json.dumps({"input": "1 s silence + examples/audio/1069-enroll.flac + 1 s silence", "probs": probs}) + "\n")
    print(f"{len(probs)} frames, speech fraction {np.mean(np.array(probs) >= 0.5):.2f}")


if __name__ == "__main__":
    main()
