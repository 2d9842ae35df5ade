#!/usr/bin/env bash
# Builds and installs the Python package (pip install ./voiceprint-py, maturin
# as the PEP 517 backend) into .venv, then runs its pytest suite and the
# FastAPI service's tests. Run scripts/setup.sh first (scripts/test.sh does).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py=.venv/bin/python
[ -x "$py" ] || { echo "run scripts/setup.sh first" >&2; exit 1; }
"$py" -m pip install -q --disable-pip-version-check -r scripts/requirements-python-tests.txt
# Build into the workspace's target/ (or $CARGO_TARGET_DIR, e.g. one shared
# by several worktrees) so the release build of voiceprint-core is shared
# with `cargo run --release` (the score comparison test uses it).
target="${CARGO_TARGET_DIR:-$root/target}"
echo "== pip install ./voiceprint-py"
CARGO_TARGET_DIR="$target" "$py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps ./voiceprint-py
"$py" -c 'import voiceprint; print("voiceprint", voiceprint.__version__, "imported")'
echo "== pytest"
CARGO_TARGET_DIR="$target" "$py" -m pytest -q -s voiceprint-py/tests examples/fastapi_service/tests
