#!/usr/bin/env bash
# The whole test suite, exactly what CI runs (.ci/run calls this).
# Sets up ONNX Runtime and the models first (idempotent), then: format,
# lints, the Rust tests (unit, property, real-speech), the C ABI (header
# drift, C and C++ examples and the C test, natively and under valgrind),
# the Python package (built with pip from voiceprint-py) and the FastAPI
# service.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/setup.sh

# A throwaway PostgreSQL server for the shared-store tests (skipped, with a
# message, where none can be started outside CI; CI must run them).
if VOICEPRINT_TEST_PG_URL="$(scripts/pg.sh start)"; then
  export VOICEPRINT_TEST_PG_URL
  trap 'scripts/pg.sh stop || true' EXIT
elif [[ -n "${CI:-}" ]]; then
  echo "CI needs a PostgreSQL server: scripts/pg.sh start failed" >&2
  exit 1
else
  echo "no PostgreSQL server (scripts/pg.sh install): its tests will be skipped" >&2
fi

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy (all targets, -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo check --features cuda,tensorrt (GPU providers build; they run where a GPU is)"
cargo check -p voiceprint-core --features cuda,tensorrt --locked
echo "== cargo test"
cargo test --workspace --locked -- --nocapture
echo "== C ABI: header drift, C/C++ examples, C test, valgrind"
scripts/test_ffi.sh
echo "== Python package and FastAPI service"
scripts/test_python.sh
