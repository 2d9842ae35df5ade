"""The voiceprint image API on real images (scikit-image's photos) with the
committed tiny CNNs: preprocessing against the Pillow + numpy reference
(scripts/image_reference.py), embeddings against onnxruntime in Python,
every input kind, the index through SQLite, errors, threads."""
import io
import pathlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

import voiceprint
from conftest import ROOT, _require

sys.path.insert(0, str(ROOT / "scripts"))
import image_reference as ref  # noqa: E402

IMAGES = ROOT / "third_party" / "images"
FIXTURES = ROOT / "voiceprint-core" / "tests" / "fixtures" / "images"
NCHW = FIXTURES / "tiny_cnn_nchw.onnx"
NHWC = FIXTURES / "tiny_cnn_nhwc.onnx"
PROFILES = ["keras-mobilenetv2", "torchvision", "clip"]
PIXEL_IMAGES = ["astronaut.png", "chelsea.png", "coffee.png", "camera.png", "logo.png", "rocket.jpg"]
CATALOGUE = [
    "astronaut.png", "chelsea.png", "coffee.png", "camera.png", "logo.png", "rocket.jpg",
    "retina.jpg", "hubble_deep_field.jpg", "brick.png", "grass.png", "gravel.png",
    "text.png", "horse.png", "motorcycle_left.png",
]


def model_for(profile: str) -> pathlib.Path:
    return NHWC if voiceprint.image_profile(profile)["layout"] == "nhwc" else NCHW


@pytest.fixture(scope="session")
def images() -> pathlib.Path:
    _require(IMAGES / "chelsea.png", "scripts/setup.sh fetches scikit-image's photos into third_party/images")
    return IMAGES


_ENCODERS = {}


def encoder(profile="torchvision", output="features", normalize=True, **kw) -> voiceprint.ImageEncoder:
    key = (profile, output, normalize, tuple(sorted(kw.items())))
    if key not in _ENCODERS:
        _ENCODERS[key] = voiceprint.ImageEncoder(
            model_for(profile), profile, output=output, normalize=normalize, threads=1, **kw)
    return _ENCODERS[key]


def jpeg_copy(path: pathlib.Path, scale: float = 0.6, quality: int = 70) -> bytes:
    img = ref.load_rgb(path)
    w, h = img.size
    small = img.resize((int(w * scale), int(h * scale)), Image.BILINEAR)
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


# --- (a) pixels against the Pillow + numpy reference ------------------------

@pytest.mark.parametrize("profile", PROFILES)
def test_preprocess_equals_pillow_reference_within_one_level(images, profile):
    """The issue's pixel test: every value within one 8-bit level of Pillow's
    (two for JPEG sources: zune-jpeg and libjpeg-turbo decode differently)."""
    std = np.asarray(ref.PROFILES[profile]["std"], np.float32)
    enc = encoder(profile)
    nchw = enc.profile["layout"] == "nchw"
    worst = 0.0
    for name in PIXEL_IMAGES:
        path = images / name
        ours = enc.preprocess(path)
        want = ref.preprocess(ref.load_rgb(path), profile)
        assert ours.dtype == np.float32 and ours.shape == want.shape, (name, ours.shape, want.shape)
        diff = np.abs(ours.astype(np.float64) - want.astype(np.float64))
        # A one-level step in channel c is 1 / (255 * std[c]) of the normalised value.
        per_channel = std[:, None, None] if nchw else std[None, None, :]
        levels = diff * 255.0 * per_channel
        allowed = 2.0 if name.endswith(".jpg") else 1.0
        bound = allowed / (255.0 * float(std.min())) * 1.0001
        frac = float((levels > 1e-3).mean())
        print(f"pixels {profile:18s} {name:14s} max diff {levels.max():.3f} levels, "
              f"{100 * frac:.3f}% of values differ")
        assert diff.max() <= bound, (name, float(levels.max()))
        assert levels.max() <= allowed * 1.0001, (name, float(levels.max()))
        worst = max(worst, float(levels.max()))
    print(f"pixels {profile}: max diff {worst:.3f} levels over {len(PIXEL_IMAGES)} images")


def test_preprocess_shapes_and_profiles():
    assert encoder("torchvision").preprocess(np.zeros((40, 50, 3), np.uint8)).shape == (3, 224, 224)
    assert encoder("keras-mobilenetv2").preprocess(np.zeros((40, 50, 3), np.uint8)).shape == (224, 224, 3)
    p = encoder("torchvision").profile
    assert p == voiceprint.image_profile("torchvision")
    assert (p["width"], p["height"], p["layout"], p["resize"], p["shorter_side"]) == (
        224, 224, "nchw", "shorter_side_then_center_crop", 256)
    assert p["mean"] == list(ref.IMAGENET_MEAN) and p["std"] == list(ref.IMAGENET_STD)
    k = voiceprint.image_profile("keras-mobilenetv2")
    assert (k["layout"], k["resize"], k["shorter_side"], k["filter"]) == ("nhwc", "stretch", None, "bilinear")
    assert voiceprint.image_profile("clip")["filter"] == "bicubic"


def test_custom_profile_dict(images, monkeypatch):
    base = voiceprint.image_profile("torchvision")
    custom = dict(base, shorter_side=300, filter="bicubic", mean=[0.5, 0.4, 0.3], std=[0.2, 0.3, 0.4])
    enc = voiceprint.ImageEncoder(NCHW, custom, output="features", threads=1)
    assert enc.profile == custom
    # The same pixel bound as the presets, against the reference given the same fields.
    monkeypatch.setitem(ref.PROFILES, "custom", dict(size=224, shorter=300, filt=Image.BICUBIC,
                                                     mean=custom["mean"], std=custom["std"], layout="nchw"))
    path = images / "chelsea.png"
    diff = np.abs(enc.preprocess(path) - ref.preprocess(ref.load_rgb(path), "custom"))
    assert diff.max() <= 1 / (255 * 0.2) * 1.0001
    # channels="bgr" reverses the channel axis; each value keeps its RGB channel's statistics.
    bgr = voiceprint.ImageEncoder(NCHW, dict(base, channels="bgr"), output="features", threads=1)
    rgb = encoder("torchvision")
    np.testing.assert_array_equal(bgr.preprocess(path), rgb.preprocess(path)[::-1])
    stretch = dict(base, resize="stretch", shorter_side=None)
    assert voiceprint.ImageEncoder(NCHW, stretch, threads=1).preprocess(path).shape == (3, 224, 224)
    # The profile's size must be the model's.
    with pytest.raises(voiceprint.InvalidModelSpecError, match="width and height"):
        voiceprint.ImageEncoder(NCHW, dict(base, width=96, height=80))


# --- (b) embeddings against onnxruntime in Python ---------------------------

@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("output,normalize", [("features", True), ("features", False), ("logits", False), ("logits", True)])
def test_embeddings_equal_onnxruntime(images, profile, output, normalize):
    enc = encoder(profile, output, normalize)
    sess = ort.InferenceSession(str(model_for(profile)), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    worst = 0.0
    for img in ["chelsea.png", "astronaut.png", "camera.png"]:
        path = images / img
        x = enc.preprocess(path)  # the same input on both sides
        want = sess.run([output], {name: x[None]})[0][0]
        if normalize:
            want = want / np.linalg.norm(want)
        got = enc.embed(path)
        assert got.dtype == np.float32 and got.shape == (enc.dim,) == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        worst = max(worst, float(np.abs(got - want).max()))
    assert enc.dim == (32 if output == "features" else 10)
    print(f"onnxruntime {profile:18s} {output:8s} normalize={normalize!s:5s}: max |diff| {worst:.2e}")


# --- (c) every input kind ---------------------------------------------------

def test_every_input_kind_gives_the_same_vector(images):
    enc = encoder("torchvision")
    path = images / "chelsea.png"
    want = enc.embed(str(path))
    assert abs(float(np.linalg.norm(want)) - 1.0) < 1e-5
    pil = ref.load_rgb(path)
    rgb = np.asarray(pil)
    alpha = np.random.default_rng(0).integers(0, 256, rgb.shape[:2], dtype=np.uint8)
    rgba = np.dstack([rgb, alpha])  # alpha is dropped, whatever it holds
    same = {
        "pathlib.Path": enc.embed(path),
        "bytes": enc.embed(path.read_bytes()),
        "bytearray": enc.embed(bytearray(path.read_bytes())),
        "PIL RGB": enc.embed(pil),
        "PIL RGBA": enc.embed(pil.convert("RGBA")),
        "numpy RGB": enc.embed(rgb),
        "numpy RGBA": enc.embed(rgba),
        "numpy BGR view": enc.embed(rgb[..., ::-1], channel_order="bgr"),
        "numpy BGRA": enc.embed(np.ascontiguousarray(rgba[..., [2, 1, 0, 3]]), channel_order="bgr"),
        "numpy Fortran order": enc.embed(np.asfortranarray(rgb)),
    }
    for kind, v in same.items():
        np.testing.assert_allclose(v, want, atol=1e-6, err_msg=kind)
    # A crop view (rows with padding) equals the same pixels packed.
    crop = rgb[20:250, 30:400]
    assert not crop.flags.c_contiguous
    np.testing.assert_allclose(enc.embed(crop), enc.embed(np.ascontiguousarray(crop)), atol=1e-6)


def test_grey_and_alpha_inputs(images):
    enc = encoder("torchvision")
    grey_path = images / "camera.png"  # an 'L' PNG
    want = enc.embed(grey_path)
    grey = np.asarray(Image.open(grey_path))
    assert grey.ndim == 2
    for kind, v in {
        "numpy HxW": enc.embed(grey),
        "numpy HxWx1": enc.embed(grey[..., None]),
        "numpy HxWx3": enc.embed(np.dstack([grey] * 3)),
        "PIL L": enc.embed(Image.open(grey_path)),
    }.items():
        np.testing.assert_allclose(v, want, atol=1e-6, err_msg=kind)
    rgba_path = images / "logo.png"  # an RGBA PNG: alpha dropped as convert("RGB") does
    np.testing.assert_allclose(enc.embed(Image.open(rgba_path)), enc.embed(rgba_path), atol=1e-6)


# --- (d) batches ------------------------------------------------------------

def test_embed_batch_equals_embed(images):
    enc = encoder("torchvision", max_batch=4)  # several chunks
    inputs = [images / n for n in CATALOGUE[:9]] + [np.asarray(ref.load_rgb(images / "coffee.png"))]
    batch = enc.embed_batch(inputs)
    assert isinstance(batch, np.ndarray) and batch.dtype == np.float32
    assert batch.shape == (len(inputs), enc.dim)
    for row, x in zip(batch, inputs):
        np.testing.assert_allclose(row, enc.embed(x), atol=1e-5)
    assert enc.embed_batch([]).shape == (0, enc.dim)
    nhwc = encoder("keras-mobilenetv2")
    paths = [images / n for n in PIXEL_IMAGES]
    np.testing.assert_allclose(nhwc.embed_batch(tuple(paths)), np.stack([nhwc.embed(p) for p in paths]), atol=1e-5)


def test_encoder_properties():
    enc = encoder("torchvision")
    assert enc.model_id == "tiny_cnn_nchw" and enc.dim == 32 and enc.provider == "cpu" and enc.normalize
    assert "tiny_cnn_nchw" in repr(enc) and "224x224" in repr(enc)
    named = voiceprint.ImageEncoder(NCHW, output="features", model_id="catalogue-v1", threads=1)
    assert named.model_id == "catalogue-v1" and named.profile["layout"] == "nchw"  # torchvision by default
    assert voiceprint.ImageEncoder(NCHW, input="pixels", output="logits", dim=10, threads=1).dim == 10
    assert ">>>" in voiceprint.ImageEncoder.__doc__ and ">>>" in voiceprint.ImageIndex.__doc__


# --- (e) the index ----------------------------------------------------------

def test_image_index_round_trip_through_sqlite_and_near_duplicates(images, tmp_path):
    enc = encoder("torchvision")
    db = tmp_path / "images.db"
    paths = [images / n for n in CATALOGUE]
    queries = [jpeg_copy(p) for p in paths]
    index = voiceprint.ImageIndex(enc, voiceprint.Store.open(db, enc.model_id, enc.dim))
    assert len(index) == 0 and index.get("none") is None
    assert index.add_batch(CATALOGUE[1:], paths[1:]) == 0
    assert index.add(CATALOGUE[0], paths[0], {"source": "scikit-image"}) is False
    assert len(index) == len(CATALOGUE) and index.list() == sorted(CATALOGUE)

    margins = []
    for name, q in zip(CATALOGUE, queries):
        hits = index.search(q, k=2)
        assert [type(h) for h in hits] == [voiceprint.ImageMatch] * 2
        assert hits[0].id == name, (name, hits)
        assert hits[0].score >= hits[1].score
        margins.append(hits[0].score - hits[1].score)
    print(f"near-duplicate search: {len(queries)} of {len(queries)} first; smallest margin {min(margins):.4f}")

    rec = index.get("astronaut.png")
    assert isinstance(rec, voiceprint.ImageRecord)
    assert rec.id == "astronaut.png" and rec.status == "active" and rec.labels == {"source": "scikit-image"}
    assert rec.vector.dtype == np.float32 and rec.vector.shape == (enc.dim,)
    np.testing.assert_allclose(rec.vector, index.embed(paths[0]), atol=1e-6)
    assert 0 < rec.created_at_ms <= rec.updated_at_ms
    # Replacing keeps the creation time.
    assert index.add("astronaut.png", paths[0], {"source": "again"}) is True
    again = index.get("astronaut.png")
    assert again.created_at_ms == rec.created_at_ms and again.labels == {"source": "again"}

    only = index.search(queries[0], k=5, candidates=["coffee.png", "brick.png"])
    assert {m.id for m in only} <= {"coffee.png", "brick.png"} and len(only) == 2
    # Search by vector equals search by image.
    by_vec = index.search_vector(index.embed(queries[2]), k=5)
    assert [(m.id, round(m.score, 5)) for m in by_vec] == [(m.id, round(m.score, 5)) for m in index.search(queries[2], k=5)]
    # A vector from elsewhere is normalised on the way in.
    assert index.add_vector("external", 3.0 * rec.vector, {"from": "node-2"}) is False
    np.testing.assert_allclose(index.get("external").vector, rec.vector, atol=1e-6)
    assert index.remove("external") is True and index.remove("external") is False

    index.set_status("astronaut.png", "disabled")
    assert index.get("astronaut.png").status == "disabled"
    assert all(m.id != "astronaut.png" for m in index.search(queries[0], k=len(CATALOGUE)))
    before = [(m.id, m.score) for m in index.search(queries[2], k=5)]
    del index

    reopened = voiceprint.ImageIndex(enc, voiceprint.Store.open(db))
    assert len(reopened) == len(CATALOGUE) and reopened.list() == sorted(CATALOGUE)
    assert [(m.id, m.score) for m in reopened.search(queries[2], k=5)] == before
    assert reopened.get("astronaut.png").status == "disabled"
    reopened.set_status("astronaut.png", "active")
    assert reopened.search(queries[0], k=1)[0].id == "astronaut.png"
    assert reopened.remove("text.png") and "text.png" not in reopened.list()
    assert len(reopened) == len(CATALOGUE) - 1
    assert "ImageIndex" in repr(reopened)


def test_index_refuses_a_store_of_another_model():
    enc = encoder("torchvision")
    with pytest.raises(voiceprint.ModelMismatchError):
        voiceprint.ImageIndex(enc, voiceprint.Store.memory("mobilenetv2", enc.dim))
    with pytest.raises(voiceprint.VoiceprintError):
        voiceprint.ImageIndex(enc, voiceprint.Store.memory(enc.model_id, enc.dim + 1))
    index = voiceprint.ImageIndex(enc, voiceprint.Store.memory(enc.model_id, enc.dim))
    with pytest.raises(voiceprint.DimensionMismatchError):
        index.add_vector("short", np.ones(enc.dim - 1, np.float32))
    with pytest.raises(voiceprint.InvalidArgumentError):
        index.add_batch(["a", "b"], [np.zeros((8, 8, 3), np.uint8)])
    with pytest.raises(voiceprint.InvalidArgumentError):
        index.set_status("a", "sleeping")
    assert len(index) == 0


# --- (f) errors -------------------------------------------------------------

def test_bad_images_raise_typed_errors(images):
    enc = encoder("torchvision")
    with pytest.raises(voiceprint.CorruptInputError):
        enc.embed((FIXTURES / "truncated_chelsea.png").read_bytes())
    with pytest.raises(voiceprint.CorruptInputError):
        enc.embed((FIXTURES / "truncated_chelsea.jpg").read_bytes())
    with pytest.raises(voiceprint.UnsupportedFormatError):
        enc.embed(b"certainly not an image")
    with pytest.raises(voiceprint.EmptyInputError):
        enc.embed(b"")
    with pytest.raises(voiceprint.IoError):
        enc.embed(images / "no-such-image.png")
    with pytest.raises(TypeError):
        enc.embed(np.zeros((32, 32, 3), np.float32))
    with pytest.raises(TypeError):
        enc.embed([[0, 1], [2, 3]])
    with pytest.raises(TypeError):
        enc.embed(42)
    with pytest.raises(TypeError):
        enc.embed_batch("one.png")  # a list of images, not one
    for shape in [(32,), (32, 32, 2), (32, 32, 5), (2, 32, 32, 3)]:
        with pytest.raises(voiceprint.InvalidArgumentError):
            enc.embed(np.zeros(shape, np.uint8))
    with pytest.raises(voiceprint.EmptyInputError):
        enc.embed(np.zeros((0, 32, 3), np.uint8))
    with pytest.raises(voiceprint.InvalidArgumentError):
        enc.embed(np.zeros((32, 32, 3), np.uint8), channel_order="hsv")
    # A batch with one bad image fails as a whole.
    with pytest.raises(voiceprint.UnsupportedFormatError):
        enc.embed_batch([images / "chelsea.png", b"garbage"])


def test_limits_raise_input_too_large(images):
    tight = voiceprint.ImageEncoder(NCHW, "torchvision", max_pixels=200_000, threads=1)
    with pytest.raises(voiceprint.InputTooLargeError):
        tight.embed(images / "astronaut.png")  # 512 x 512
    with pytest.raises(voiceprint.InputTooLargeError):
        tight.embed(np.zeros((500, 500, 3), np.uint8))
    tight.embed(images / "chelsea.png")  # 451 x 300 fits
    small_files = voiceprint.ImageEncoder(NCHW, "torchvision", max_bytes=1000, threads=1)
    with pytest.raises(voiceprint.InputTooLargeError):
        small_files.embed((images / "chelsea.png").read_bytes())
    with pytest.raises(voiceprint.InputTooLargeError):
        small_files.embed(images / "chelsea.png")


def test_bad_models_and_profiles_raise_invalid_model_spec():
    with pytest.raises(voiceprint.InvalidModelSpecError):
        voiceprint.ImageEncoder(NCHW, "resnet-ish")
    with pytest.raises(voiceprint.InvalidModelSpecError, match="layout"):
        voiceprint.ImageEncoder(NCHW, "keras-mobilenetv2")  # an NHWC profile on an NCHW model
    with pytest.raises(voiceprint.InvalidModelSpecError):
        voiceprint.ImageEncoder(NHWC, "torchvision")
    base = voiceprint.image_profile("torchvision")
    for bad in [dict(base, width=0), dict(base, widht=224), dict(base, layout="chw"),
                dict(base, std=[0.2, 0.0, 0.2]), {k: v for k, v in base.items() if k != "mean"}]:
        with pytest.raises(voiceprint.InvalidModelSpecError):
            voiceprint.ImageEncoder(NCHW, bad)
    with pytest.raises(TypeError):
        voiceprint.ImageEncoder(NCHW, 224)
    with pytest.raises(voiceprint.InvalidModelSpecError):
        voiceprint.ImageEncoder(NCHW, "torchvision", dim=64)  # the model outputs 32
    with pytest.raises(voiceprint.InvalidModelSpecError):
        voiceprint.ImageEncoder(NCHW, "torchvision", max_batch=0)
    with pytest.raises(voiceprint.VoiceprintError):
        voiceprint.ImageEncoder(NCHW, "torchvision", output="no-such-output")
    with pytest.raises(voiceprint.ModelLoadError):
        voiceprint.ImageEncoder(FIXTURES / "no-such-model.onnx")
    with pytest.raises(voiceprint.InvalidModelSpecError):
        voiceprint.image_profile("resnet-ish")


def test_search_vectors_equals_search_vector_row_by_row(images):
    enc = encoder("torchvision")
    index = voiceprint.ImageIndex(enc, voiceprint.Store.memory(enc.model_id, enc.dim))
    index.add_batch(CATALOGUE, [images / n for n in CATALOGUE])
    index.set_status("coffee.png", "disabled")
    # Near-duplicate queries, scaled: each row is normalised on the way in.
    queries = np.stack([index.embed(jpeg_copy(images / n)) for n in CATALOGUE])
    queries *= np.linspace(0.5, 3.0, len(CATALOGUE), dtype=np.float32)[:, None]

    def single(kw):
        hits = [index.search_vector(q, **kw) for q in queries]
        return [[m.id for m in h] for h in hits], [[m.score for m in h] for h in hits]

    def batch(q, kw):
        ids, scores = index.search_vectors(q, **kw)
        assert isinstance(ids, list) and isinstance(scores, list) and len(ids) == len(scores) == len(q)
        for i, s in zip(ids, scores):
            assert isinstance(s, np.ndarray) and s.dtype == np.float32 and s.shape == (len(i),)
        return ids, [s.tolist() for s in scores]

    for kw in [{}, {"k": 1}, {"k": 3, "candidates": ["brick.png", "coffee.png", "grass.png"]},
               {"k": 2 * len(CATALOGUE)}]:
        assert batch(queries, kw) == single(kw), kw
    ids, _ = index.search_vectors(queries, k=2 * len(CATALOGUE))
    assert all(len(i) == len(CATALOGUE) - 1 and "coffee.png" not in i for i in ids)  # short rows
    ids, _ = index.search_vectors(queries, k=1)
    others = [n for n in CATALOGUE if n != "coffee.png"]
    assert [i[0] for i, n in zip(ids, CATALOGUE) if n != "coffee.png"] == others  # near duplicates first
    # Fortran order, float64 and strided views are accepted.
    expected = batch(queries, {"k": 4})
    assert batch(np.asfortranarray(queries), {"k": 4}) == expected
    assert batch(queries.astype(np.float64), {"k": 4}) == expected
    assert batch(queries[::-1], {"k": 4}) == tuple(x[::-1] for x in expected)
    for bad, err in [
        (queries[0], voiceprint.InvalidArgumentError),  # 1-D
        (queries[None], voiceprint.InvalidArgumentError),  # 3-D
        (queries[:0], voiceprint.InvalidArgumentError),  # no rows
        ([["x"]], voiceprint.InvalidArgumentError),
        (queries[:, 1:], voiceprint.DimensionMismatchError),
        (queries.reshape(2 * len(CATALOGUE), enc.dim // 2), voiceprint.DimensionMismatchError),
        (np.zeros((2, enc.dim), np.float32), voiceprint.InvalidArgumentError),  # zero rows cannot be normalised
    ]:
        with pytest.raises(err):
            index.search_vectors(bad)
    with pytest.raises(voiceprint.InvalidArgumentError):
        index.search_vectors(queries, k=0)


# --- (g) threads ------------------------------------------------------------

def test_concurrent_searches_equal_single_threaded(images):
    enc = encoder("torchvision")
    index = voiceprint.ImageIndex(enc, voiceprint.Store.memory(enc.model_id, enc.dim))
    index.add_batch(CATALOGUE, [images / n for n in CATALOGUE])
    queries = [jpeg_copy(images / n) for n in CATALOGUE]

    def run(q):
        return [(m.id, m.score) for m in index.search(q, k=3)]

    single = [run(q) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(run, queries)) == single
        # Adding and embedding from other threads at the same time is safe too.
        extra = list(pool.map(lambda i: index.add(f"copy-{i}", queries[i]), range(len(queries))))
    assert extra == [False] * len(queries) and len(index) == 2 * len(CATALOGUE)


def test_the_gil_is_released_during_a_large_batched_search():
    """A Python thread keeps running while another searches a large batch:
    were the GIL held, its longest pause would be the whole search."""
    enc = encoder("torchvision")
    rng = np.random.default_rng(7)
    store = voiceprint.Store.memory(enc.model_id, enc.dim)
    index = voiceprint.ImageIndex(enc, store)
    for i, v in enumerate(rng.standard_normal((20000, enc.dim), dtype=np.float32)):
        index.add_vector(f"r{i}", v)
    queries = rng.standard_normal((2000, enc.dim), dtype=np.float32)
    t0 = time.perf_counter()
    index.search_vectors(queries, k=10)
    alone = time.perf_counter() - t0
    done = threading.Event()

    def search():
        index.search_vectors(queries, k=10)
        done.set()

    worker = threading.Thread(target=search)
    last, longest = time.perf_counter(), 0.0
    worker.start()
    while not done.is_set():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    worker.join()
    print(f"batched search of {len(queries)} x {len(index)}: {alone:.3f} s; longest main-thread pause {longest:.4f} s")
    assert longest < alone / 2, f"main thread paused {longest:.3f} s during a {alone:.3f} s search"
