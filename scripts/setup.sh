#!/usr/bin/env bash
# Sets up what voiceprint needs at run time and for its tests, from PyPI only,
# with pinned versions and sha256 checks (scripts/wheels.lock). Idempotent.
#
#   .venv/                           Python tools (numpy, onnx, onnxruntime, pytest)
#   third_party/wheels/              downloaded wheels (cache)
#   third_party/onnxruntime/lib/     libonnxruntime.so from the onnxruntime wheel
#   models/ge2e-resemblyzer.onnx     Resemblyzer's GE2E encoder, converted and checked
#   models/silero_vad.onnx           Silero VAD
#   third_party/images/              scikit-image's sample images, for the image tests
#
# Nothing here is downloaded by the library itself, ever.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "setup.sh fetches ONNX Runtime for Linux x86_64. On $(uname -s)-$(uname -m), pip install onnxruntime" \
          "and set VOICEPRINT_ORT_LIB to its onnxruntime/capi folder; the model steps below still apply." >&2 ;;
esac

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$python" -m venv .venv
fi
py=.venv/bin/python
if ! "$py" -c 'import numpy, onnx, onnxruntime, pytest' 2>/dev/null \
   || [ scripts/requirements-dev.txt -nt .venv/.requirements-installed ]; then
  echo "== installing Python tools (scripts/requirements-dev.txt)"
  "$py" -m pip install -q --disable-pip-version-check -r scripts/requirements-dev.txt
  touch .venv/.requirements-installed
fi

wheels=third_party/wheels
mkdir -p "$wheels" third_party/onnxruntime/lib models
while read -r spec file sha; do
  [[ -z "$spec" || "$spec" == \#* ]] && continue
  if [ ! -f "$wheels/$file" ] || ! echo "$sha  $wheels/$file" | sha256sum -c --quiet - 2>/dev/null; then
    echo "== downloading $spec"
    rm -f "$wheels/$file"
    extra=()
    [[ "$spec" == onnxruntime==* ]] && extra=(--python-version 3.11 --platform manylinux_2_28_x86_64)
    [[ "$spec" == scikit-image==* ]] && extra=(--python-version 3.11 --platform manylinux_2_17_x86_64)
    "$py" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: "${extra[@]}" -d "$wheels" "$spec"
  fi
  if ! echo "$sha  $wheels/$file" | sha256sum -c --quiet -; then
    echo "checksum mismatch for $wheels/$file (expected $sha); delete it and retry, or check scripts/wheels.lock" >&2
    exit 1
  fi
done < scripts/wheels.lock

ort_whl="$wheels/$(awk '$1 ~ /^onnxruntime==/ {print $2}' scripts/wheels.lock)"
lib_dir=third_party/onnxruntime/lib
if ! ls "$lib_dir"/libonnxruntime.so.* >/dev/null 2>&1; then
  echo "== unpacking libonnxruntime from $(basename "$ort_whl")"
  "$py" - "$ort_whl" "$lib_dir" <<'PY'
import sys, zipfile, os, re
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    names = [n for n in z.namelist() if re.match(r"onnxruntime/capi/libonnxruntime\.so\.\d", n)]
    if not names:
        sys.exit(f"no libonnxruntime.so.* in {whl}")
    for n in names:
        target = os.path.join(out, os.path.basename(n))
        with z.open(n) as src, open(target, "wb") as dst:
            dst.write(src.read())
        os.chmod(target, 0o755)
        print("   ", target)
PY
fi
versioned=$(ls "$lib_dir"/libonnxruntime.so.* | head -n1)
ln -sf "$(basename "$versioned")" "$lib_dir/libonnxruntime.so"

rz_whl="$wheels/$(awk '$1 ~ /^resemblyzer==/ {print $2}' scripts/wheels.lock)"
if [ ! -f models/ge2e-resemblyzer.onnx ] || [ scripts/convert_ge2e.py -nt models/ge2e-resemblyzer.onnx ]; then
  echo "== converting Resemblyzer's GE2E encoder to ONNX"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$py" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("resemblyzer/pretrained.pt", sys.argv[2])' "$rz_whl" "$tmp"
  "$py" scripts/convert_ge2e.py "$tmp/resemblyzer/pretrained.pt" models/ge2e-resemblyzer.onnx.tmp
  echo "== checking the ONNX graph against a numpy forward of the same weights"
  "$py" scripts/test_ge2e_onnx.py "$tmp/resemblyzer/pretrained.pt" models/ge2e-resemblyzer.onnx.tmp
  mv models/ge2e-resemblyzer.onnx.tmp models/ge2e-resemblyzer.onnx
fi

vad_whl="$wheels/$(awk '$1 ~ /^silero-vad==/ {print $2}' scripts/wheels.lock)"
if [ ! -f models/silero_vad.onnx ]; then
  echo "== extracting Silero VAD"
  "$py" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("silero_vad/data/silero_vad.onnx"))' \
    "$vad_whl" models/silero_vad.onnx
fi

# Real test images: scikit-image's sample data (BSD-3-Clause), straight
# from its wheel. PNG (RGB, grey, RGBA), JPEG, GIF, TIFF.
sk_whl="$wheels/$(awk '$1 ~ /^scikit-image==/ {print $2}' scripts/wheels.lock)"
images=third_party/images
if [ ! -f "$images/.complete" ]; then
  echo "== extracting sample images from $(basename "$sk_whl")"
  mkdir -p "$images"
  "$py" - "$sk_whl" "$images" <<'PY'
import os, sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
names = ["astronaut.png", "chelsea.png", "coffee.png", "camera.png", "logo.png", "rocket.jpg",
         "retina.jpg", "hubble_deep_field.jpg", "brick.png", "grass.png", "gravel.png", "text.png",
         "horse.png", "motorcycle_left.png", "multipage_rgb.tif", "no_time_for_that_tiny.gif",
         "README.txt"]
with zipfile.ZipFile(whl) as z:
    for n in names:
        with open(os.path.join(out, n), "wb") as f:
            f.write(z.read("skimage/data/" + n))
open(os.path.join(out, ".complete"), "w").close()
PY
fi

(cd models && sha256sum ge2e-resemblyzer.onnx silero_vad.onnx > MODELS.sha256)
echo "== ready"
echo "   ONNX Runtime: $root/$versioned (found automatically; or export VOICEPRINT_ORT_LIB=$root/$lib_dir)"
echo "   models:       $root/models/ge2e-resemblyzer.onnx, $root/models/silero_vad.onnx"
