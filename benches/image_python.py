"""The Python side of the image benchmark: the same batch of real photos as
benches/image.rs (voiceprint_benches::BENCH_IMAGES) through Pillow + numpy
(decode + preprocess, scripts/image_reference.py) and through onnxruntime
with the MobileNetV2 stand-in from ../shared/models, on 1 and 2 threads.
Prints the median time per batch and images/s, in the same terms as
`cargo bench -p voiceprint-benches --bench image`.

  .venv/bin/python benches/image_python.py [--runs 20]
"""

import argparse
import io
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import image_reference as ref  # noqa: E402

BENCH_IMAGES = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "retina.jpg",
                "hubble_deep_field.jpg", "motorcycle_left.png", "brick.png"]


def decode_preprocess(data, profile):
    with Image.open(io.BytesIO(data)) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
    return ref.preprocess(img, profile)


def median_seconds(fn, runs):
    fn()  # warm up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def report(name, seconds, n):
    print(f"{name:48s} {seconds * 1e3:8.2f} ms/batch {n / seconds:8.1f} images/s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    folder = os.path.join(ROOT, "third_party", "images")
    images = [open(os.path.join(folder, n), "rb").read() for n in BENCH_IMAGES]
    n = len(images)
    print(f"{n} images, median of {args.runs} runs")
    for profile in ("torchvision", "keras-mobilenetv2"):
        for threads in (1, 2):
            with ThreadPoolExecutor(max_workers=threads) as pool:
                def batch():
                    return list(pool.map(lambda d: decode_preprocess(d, profile), images))
                report(f"pillow_numpy {profile} {threads}thread", median_seconds(batch, args.runs), n)
    model = os.path.join(ROOT, "..", "shared", "models", "mobilenetv2_random.onnx")
    if not os.path.isfile(model):
        print(f"skipping onnxruntime: {model} not found")
        return
    for threads in (1, 2):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        with ThreadPoolExecutor(max_workers=threads) as pool:
            def batch():
                x = np.stack(list(pool.map(lambda d: decode_preprocess(d, "torchvision"), images)))
                feats = sess.run(None, {name: x})[0]
                return feats / np.linalg.norm(feats, axis=1, keepdims=True)
            report(f"pillow_numpy_onnxruntime mobilenetv2 {threads}thread", median_seconds(batch, max(5, args.runs // 2)), n)


if __name__ == "__main__":
    main()
