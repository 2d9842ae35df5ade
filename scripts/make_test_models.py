"""Builds small ONNX "speaker models" for testing the fbank-model path, and
their expected outputs computed in Python: kaldi-native-fbank features,
per-bin mean subtraction, onnxruntime.

    /work/pytools/bin/python scripts/make_test_models.py   # any Python with numpy, onnx,
                                                           # onnxruntime, kaldi-native-fbank
Writes voiceprint-core/tests/fixtures/models/:
  tiny_3dspeaker_meta.onnx   sherpa-onnx metadata, framework 3d-speaker, input `x`, output `embedding`
  tiny_wespeaker_meta.onnx   framework wespeaker (normalize_samples 0), input `feats`, output `embs`
  tiny_nometa.onnx           no metadata, input `feats`, output `embs`
  tiny_bad_meta.onnx         framework set, sample_rate missing
  expected.json              raw outputs for the speech fixture below
The input speech is voiceprint-core/tests/fixtures/features/speech_2s_i16.raw
(2 s of LibriSpeech, 16 kHz int16).
Model: [N, T, 80] -> MatMul 80x64 -> Relu -> ReduceMean over T -> MatMul 64x32 -> [N, 32].
"""
import json
from pathlib import Path

import kaldi_native_fbank as knf
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "voiceprint-core/tests/fixtures/models"
SPEECH = ROOT / "voiceprint-core/tests/fixtures/features/speech_2s_i16.raw"


def tiny_model(input_name, output_name, meta):
    rng = np.random.default_rng(7)
    w1 = (rng.standard_normal((80, 64)) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((64, 32)) * 0.1).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", [input_name, "w1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("ReduceMean", ["r"], ["m"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["m", "w2"], [output_name]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_speaker",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", "T", 80])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["N", 32])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="voiceprint-tests")
    model.ir_version = 8
    if meta:
        helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    return model


def fbank(samples, window, scale):
    opts = knf.FbankOptions()
    opts.frame_opts.dither = 0
    opts.frame_opts.samp_freq = 16000
    opts.frame_opts.snip_edges = True
    opts.frame_opts.window_type = window
    opts.mel_opts.num_bins = 80
    opts.mel_opts.high_freq = 0
    fb = knf.OnlineFbank(opts)
    fb.accept_waveform(16000, (samples * scale).tolist())
    fb.input_finished()
    feats = np.stack([fb.get_frame(i) for i in range(fb.num_frames_ready)])
    return feats - feats.mean(axis=0, keepdims=True)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    sherpa = {"sample_rate": "16000", "output_dim": "32", "language": "English", "comment": "voiceprint test model"}
    models = {
        "tiny_3dspeaker_meta": (
            "x", "embedding",
            {**sherpa, "framework": "3d-speaker", "normalize_samples": "1", "feature_normalize_type": "global-mean"},
        ),
        "tiny_wespeaker_meta": (
            "feats", "embs",
            {**sherpa, "framework": "wespeaker", "normalize_samples": "0", "feature_normalize_type": "global-mean"},
        ),
        "tiny_nometa": ("feats", "embs", None),
        "tiny_bad_meta": (
            "x", "embedding",
            {"framework": "3d-speaker", "output_dim": "32", "normalize_samples": "1", "feature_normalize_type": "global-mean"},
        ),
    }
    for name, (inp, out, meta) in models.items():
        onnx.save(tiny_model(inp, out, meta), OUT / f"{name}.onnx")

    samples = np.fromfile(SPEECH, dtype="<i2").astype(np.float32) / 32768.0
    expected = {}
    for name, window, scale in [
        ("tiny_3dspeaker_meta", "povey", 1.0),
        ("tiny_nometa", "povey", 1.0),
        ("tiny_wespeaker_meta", "hamming", 32768.0),
    ]:
        feats = fbank(samples, window, scale).astype(np.float32)[None]
        sess = ort.InferenceSession(str(OUT / f"{name}.onnx"), providers=["CPUExecutionProvider"])
        inp, out, _ = models[name]
        raw = sess.run([out], {inp: feats})[0][0]
        expected[name] = {
            "window": window,
            "sample_scale": scale,
            "frames": int(feats.shape[1]),
            "raw_output": [float(v) for v in raw],
        }
        print(f"{name}: {feats.shape[1]} frames, |raw| = {np.linalg.norm(raw):.4f}")
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
