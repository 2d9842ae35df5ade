#!/usr/bin/env bash
# Creates .venv-bench/, the environment of the diarization side-by-side
# benchmark (benches/diarization_side_by_side.py) and of scripts/score_rttm.py:
# the peer pipeline (Resemblyzer + spectralcluster + webrtcvad, on torch from
# PyPI) and pyannote.metrics, pinned in benches/requirements-diarization-peer.txt.
# Idempotent: a second run only checks.
#
#   benches/setup_diarization_peer.sh                   # peer + scorer
#   benches/setup_diarization_peer.sh --with-voiceprint # also pip install ./voiceprint-py (compiles Rust)
#
# torch comes from PyPI, whose Linux wheel is the CUDA build (several GB with
# its nvidia-* dependencies); the benchmark runs it on the CPU only.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

with_voiceprint=0
for arg in "$@"; do
  case "$arg" in
    --with-voiceprint) with_voiceprint=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

RESEMBLYZER=resemblyzer==0.1.4
reqs=benches/requirements-diarization-peer.txt
venv=.venv-bench
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  echo "== creating $venv"
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"
pip=("$py" -m pip install -q --disable-pip-version-check)
stamp="$venv/.peer-installed"

if [ ! -f "$stamp" ] || [ "$reqs" -nt "$stamp" ] || [ "$0" -nt "$stamp" ]; then
  echo "== installing the peer stack ($reqs)"
  "${pip[@]}" -r "$reqs"
  # Resemblyzer's wheel is the one scripts/setup.sh already fetched, when present.
  find_links=()
  [ -d third_party/wheels ] && find_links=(--find-links third_party/wheels)
  "${pip[@]}" --no-deps "${find_links[@]}" "$RESEMBLYZER"
  touch "$stamp"
fi

echo "== checking imports"
"$py" - <<'PY'
import importlib.metadata as md
import warnings
warnings.filterwarnings("ignore")
import torch, resemblyzer, spectralcluster, webrtcvad, librosa, soundfile, numpy  # noqa: F401
from pyannote.metrics.diarization import DiarizationErrorRate  # noqa: F401
for name in ("resemblyzer", "torch", "spectralcluster", "webrtcvad-wheels", "librosa",
             "pyannote.metrics", "pyannote.core", "numpy", "scipy", "scikit-learn", "soundfile"):
    print(f"    {name}=={md.version(name)}")
PY

if [ "$with_voiceprint" = 1 ]; then
  echo "== installing voiceprint from ./voiceprint-py (compiles the Rust extension)"
  "${pip[@]}" ./voiceprint-py
  "$py" -c 'import voiceprint; print("    voiceprint", voiceprint.__version__, "Diarizer:", hasattr(voiceprint, "Diarizer"))'
fi
echo "== ready: $venv/bin/python benches/diarization_side_by_side.py"
