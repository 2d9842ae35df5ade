"""The Python reference of voiceprint's image preprocessing: Pillow + numpy,
as Keras, torchvision and CLIP pipelines do it.

Used by scripts/make_image_models.py (golden embeddings), by
voiceprint-py/tests/test_image.py (pixel-by-pixel comparison) and by
benches/image_python.py (the Python side of the speed comparison).

  keras-mobilenetv2  img.resize((224, 224), BILINEAR); x / 127.5 - 1; NHWC
  torchvision        Resize(256) (shorter side, BILINEAR); CenterCrop(224);
                     (x / 255 - mean) / std with ImageNet statistics; NCHW
  clip               Resize(224, BICUBIC); CenterCrop(224); CLIP statistics; NCHW
"""

import numpy as np
from PIL import Image, ImageOps

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

PROFILES = {
    "keras-mobilenetv2": dict(size=224, shorter=None, filt=Image.BILINEAR,
                              mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), layout="nhwc"),
    "torchvision": dict(size=224, shorter=256, filt=Image.BILINEAR,
                        mean=IMAGENET_MEAN, std=IMAGENET_STD, layout="nchw"),
    "clip": dict(size=224, shorter=224, filt=Image.BICUBIC,
                 mean=CLIP_MEAN, std=CLIP_STD, layout="nchw"),
}


def load_rgb(path):
    """Decode, apply the EXIF orientation, drop alpha / expand grey (Pillow's convert('RGB'))."""
    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img)
        return img.convert("RGB")


def resize_and_crop(img, profile):
    """The uint8 HxWx3 array the model's normalisation is applied to."""
    p = PROFILES[profile]
    size = p["size"]
    if p["shorter"] is None:
        img = img.resize((size, size), p["filt"])
        return np.asarray(img, dtype=np.uint8)
    # torchvision.transforms.functional.resize with an int: the shorter side
    # becomes `shorter`, the longer int(shorter * long / short).
    w, h = img.size
    s = p["shorter"]
    if w <= h:
        new = (s, int(s * h / w))
    else:
        new = (int(s * w / h), s)
    if new != (w, h):
        img = img.resize(new, p["filt"])
    # torchvision center_crop: int(round((size - crop) / 2)), Python rounding.
    w, h = img.size
    top = int(round((h - size) / 2.0))
    left = int(round((w - size) / 2.0))
    arr = np.asarray(img, dtype=np.uint8)
    return arr[top:top + size, left:left + size]


def preprocess(img, profile):
    """Model input for one image, float32, without the batch axis."""
    p = PROFILES[profile]
    x = resize_and_crop(img, profile).astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(p["mean"], np.float32)) / np.asarray(p["std"], np.float32)
    if p["layout"] == "nchw":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x, dtype=np.float32)
