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
