"""Builds the image-model test fixtures (run once; the outputs are committed).

  voiceprint-core/tests/fixtures/images/
    tiny_cnn_nchw.onnx   pixels [N,3,224,224] -> features [N,32] (global average pool), logits [N,10]
    tiny_cnn_nhwc.onnx   input_1 [N,224,224,3] -> the same layers behind a Transpose
    chelsea.{png,jpg,webp,bmp,gif,tiff}, chelsea_exif6.jpg, truncated_*.{png,jpg}
    pillow_<profile>_<image>.png   Pillow's resized + cropped 224x224 pixels (before
                         normalisation) for a few images: the exact input the
                         onnxruntime outputs below were computed from
    expected.json        per real image and profile: the Pillow + numpy reference's
                         preprocessed values at fixed positions, and onnxruntime's
                         outputs for that preprocessed input

The models are small CNNs with fixed random weights (numpy seed), built with
onnx.helper: no weights of anybody else. Real images come from scikit-image's
wheel (scripts/setup.sh puts them in third_party/images).

  .venv/bin/python scripts/make_image_models.py
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
import image_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "voiceprint-core", "tests", "fixtures", "images")
IMAGES = os.path.join(ROOT, "third_party", "images")

# Real images of every kind the tests meet: RGB and grey PNG, RGBA PNG, JPEG.
TEST_IMAGES = ["astronaut.png", "chelsea.png", "coffee.png", "camera.png", "logo.png", "rocket.jpg"]
SAMPLES = 256
# Images whose Pillow pixels are committed (the rest keep only samples).
PIXEL_IMAGES = ["chelsea.png", "camera.png", "rocket.jpg"]


def conv_layers(rng, x, prefix):
    """Three stride-2 3x3 convolutions with ReLU, then the pooled features and a classifier."""
    nodes, inits = [], []
    chans = [3, 8, 16, 32]
    for i in range(3):
        cin, cout = chans[i], chans[i + 1]
        w = (rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))).astype(np.float32)
        b = (rng.standard_normal(cout) * 0.1).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"{prefix}w{i}"), numpy_helper.from_array(b, f"{prefix}b{i}")]
        nodes.append(helper.make_node("Conv", [x, f"{prefix}w{i}", f"{prefix}b{i}"], [f"c{i}"],
                                      kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        x = f"r{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["features"], axis=1))
    wc = (rng.standard_normal((32, 10)) * 0.3).astype(np.float32)
    bc = np.zeros(10, np.float32)
    inits += [numpy_helper.from_array(wc, "wc"), numpy_helper.from_array(bc, "bc")]
    nodes.append(helper.make_node("Gemm", ["features", "wc", "bc"], ["logits"]))
    return nodes, inits


def build(layout):
    rng = np.random.default_rng(20261201)  # the same weights in both layouts
    if layout == "nchw":
        name, shape = "pixels", ["N", 3, 224, 224]
        nodes, inits = conv_layers(rng, name, "")
    else:
        name, shape = "input_1", ["N", 224, 224, 3]
        nodes, inits = conv_layers(rng, "nchw", "")
        nodes.insert(0, helper.make_node("Transpose", [name], ["nchw"], perm=[0, 3, 1, 2]))
    graph = helper.make_graph(
        nodes, f"tiny_cnn_{layout}",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 32]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="voiceprint scripts/make_image_models.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_format_fixtures():
    """A crop of a real photo in every format, with EXIF orientation, and truncated files."""
    img = ref.load_rgb(os.path.join(IMAGES, "chelsea.png")).crop((150, 60, 246, 124))  # 96x64
    img.save(os.path.join(OUT, "chelsea.png"))
    img.save(os.path.join(OUT, "chelsea.bmp"))
    img.save(os.path.join(OUT, "chelsea.tiff"))
    img.save(os.path.join(OUT, "chelsea.webp"), lossless=True)
    img.save(os.path.join(OUT, "chelsea.gif"))
    img.save(os.path.join(OUT, "chelsea.jpg"), quality=95)
    # Orientation 6: the stored pixels must be turned 90 degrees clockwise to view.
    exif = Image.Exif()
    exif[0x0112] = 6
    img.transpose(Image.ROTATE_90).save(os.path.join(OUT, "chelsea_exif6.jpg"), quality=95, exif=exif)
    for ext in ("png", "jpg"):
        data = open(os.path.join(OUT, f"chelsea.{ext}"), "rb").read()
        open(os.path.join(OUT, f"truncated_chelsea.{ext}"), "wb").write(data[: len(data) // 2])


def short(v):
    """float32 values need 9 significant digits to round-trip; 8 keep errors below 1e-7."""
    return float(f"{float(v):.8g}")


def main():
    if not os.path.isdir(IMAGES):
        sys.exit(f"{IMAGES} not found: run scripts/setup.sh first")
    os.makedirs(OUT, exist_ok=True)
    sessions = {}
    for layout in ("nchw", "nhwc"):
        path = os.path.join(OUT, f"tiny_cnn_{layout}.onnx")
        onnx.save(build(layout), path)
        sessions[layout] = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    write_format_fixtures()

    expected = {"models": {"nchw": "tiny_cnn_nchw.onnx", "nhwc": "tiny_cnn_nhwc.onnx"},
                "profiles": {"torchvision": "nchw", "keras-mobilenetv2": "nhwc", "clip": "nchw"},
                "images": {}}
    rng = np.random.default_rng(7)
    positions = sorted(int(i) for i in rng.choice(3 * 224 * 224, SAMPLES, replace=False))
    expected["positions"] = positions
    for name in TEST_IMAGES:
        img = ref.load_rgb(os.path.join(IMAGES, name))
        per_profile = {}
        for profile, layout in expected["profiles"].items():
            x = ref.preprocess(img, profile)
            if name in PIXEL_IMAGES:
                stem = os.path.splitext(name)[0]
                Image.fromarray(ref.resize_and_crop(img, profile)).save(
                    os.path.join(OUT, f"pillow_{profile}_{stem}.png"), optimize=True)
            sess = sessions[layout]
            feats, logits = sess.run(["features", "logits"], {sess.get_inputs()[0].name: x[None]})
            flat = x.reshape(-1)
            per_profile[profile] = {
                "samples": [short(flat[i]) for i in positions],
                "features": [short(v) for v in feats[0]],
                "logits": [short(v) for v in logits[0]],
            }
        expected["images"][name] = per_profile
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
