"""Checks the converted GE2E ONNX model against the numpy forward of the same
weights. Run by scripts/setup.sh after conversion (exits non-zero on failure):

    python scripts/test_ge2e_onnx.py PRETRAINED_PT MODEL_ONNX
"""
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_ge2e import ge2e_weights  # noqa: E402
from ge2e_numpy import forward  # noqa: E402

TOLERANCE = 1e-4


def main():
    pt, model = sys.argv[1], sys.argv[2]
    weights = ge2e_weights(pt)
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["mels"], sess.get_inputs()
    assert [o.name for o in sess.get_outputs()] == ["embedding"], sess.get_outputs()
    meta = sess.get_modelmeta().custom_metadata_map
    assert meta.get("model_id") == "ge2e-resemblyzer" and meta.get("output_dim") == "256", meta
    rng = np.random.default_rng(1234)
    worst = 0.0
    for shape in [(1, 160, 40), (3, 160, 40), (2, 37, 40)]:
        # Mel power is non-negative with a heavy tail, like real input.
        mels = rng.gamma(0.5, 0.02, size=shape).astype(np.float32)
        got = sess.run(["embedding"], {"mels": mels})[0]
        want = forward(weights, mels)
        diff = float(np.abs(got - want).max())
        worst = max(worst, diff)
        norms = np.linalg.norm(got, axis=1)
        assert np.allclose(norms, 1.0, atol=1e-5), norms
        print(f"shape {shape}: max |onnx - numpy| = {diff:.2e}")
    if worst > TOLERANCE:
        sys.exit(f"GE2E ONNX differs from the numpy reference by {worst:.2e} > {TOLERANCE}")
    print(f"GE2E ONNX matches the numpy forward (max diff {worst:.2e} <= {TOLERANCE})")


if __name__ == "__main__":
    main()
