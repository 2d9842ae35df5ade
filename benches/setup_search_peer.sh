#!/usr/bin/env bash
# Creates .venv-search-bench/, the environment of the vector-search benchmark
# (benches/search_side_by_side.py): the peer stack (numpy, faiss-cpu, usearch;
# benches/requirements-search-peer.txt) and the voiceprint Python package.
# Idempotent: a second run only checks.
#
#   benches/setup_search_peer.sh               # peer + pip install ./voiceprint-py (compiles Rust)
#   benches/setup_search_peer.sh --skip-build  # peer; voiceprint from a built wheel if one is found
#                                              # ($VOICEPRINT_WHEEL, else the newest target/wheels/voiceprint-*.whl),
#                                              # else whatever is installed already (maybe nothing)
#   benches/setup_search_peer.sh --peer-only   # peer stack only
#
# The build goes through pip with maturin as the PEP 517 backend, into
# ${CARGO_TARGET_DIR:-target}, as scripts/test_python.sh does, so the release
# build of voiceprint-core is shared with the other scripts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

voiceprint=build
for arg in "$@"; do
  case "$arg" in
    --skip-build) voiceprint=wheel ;;
    --peer-only) voiceprint=none ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

reqs=benches/requirements-search-peer.txt
venv=.venv-search-bench
python=${PYTHON:-python3}
target="${CARGO_TARGET_DIR:-$root/target}"

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
  touch "$stamp"
fi

echo "== checking imports"
"$py" - <<'PY'
import importlib.metadata as md
import faiss, usearch.index, numpy  # noqa: F401
for name in ("faiss-cpu", "usearch", "numkong", "numpy"):
    try:
        print(f"    {name}=={md.version(name)}")
    except md.PackageNotFoundError:
        pass
PY

# voiceprint's own dependencies (numpy, onnxruntime) at the versions the rest
# of the repository pins.
constraints=(-c scripts/requirements-dev.txt)
case "$voiceprint" in
  build)
    echo "== installing voiceprint from ./voiceprint-py (compiles the Rust extension into $target)"
    CARGO_TARGET_DIR="$target" "${pip[@]}" "${constraints[@]}" --force-reinstall ./voiceprint-py
    ;;
  wheel)
    wheel="${VOICEPRINT_WHEEL:-}"
    if [ -z "$wheel" ]; then
      wheel="$(ls -t "$target"/wheels/voiceprint-*.whl 2>/dev/null | head -n 1 || true)"
    fi
    if [ -n "$wheel" ]; then
      echo "== installing voiceprint from $wheel (no build)"
      "${pip[@]}" "${constraints[@]}" --force-reinstall "$wheel"
    else
      echo "== --skip-build: no wheel in $target/wheels and no \$VOICEPRINT_WHEEL; keeping what $venv has"
    fi
    ;;
  none) ;;
esac
"$py" - <<'PY'
try:
    import voiceprint
except ImportError as e:
    print(f"    voiceprint not importable ({e}): the benchmark will time the peer only")
else:
    try:
        voiceprint.Store.memory("m", 4).search_batch
        batch = True
    except Exception:
        batch = False
    print(f"    voiceprint {voiceprint.__version__}, Store.search_batch: {batch}")
PY
echo "== ready: $venv/bin/python benches/search_side_by_side.py"
