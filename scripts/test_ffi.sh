#!/usr/bin/env bash
# Tests of the C ABI (libvoiceprint), as a C or C++ user meets it:
#
#  1. header drift: include/voiceprint.h must be what cbindgen makes of
#     voiceprint-ffi/src (regenerated into a temp file and diffed);
#  2. build and install (scripts/install_ffi.sh) into a temporary prefix;
#  3. compile the C and C++ examples and the C and C++ tests with -Wall
#     -Wextra -Werror against the installed header and library, through
#     pkg-config (the speaker C example also linked statically);
#  4. run them: the C test of the speaker API (every function, every error
#     status, threads), the C test of the diarization API (a dev
#     conversation of ../shared/data with GE2E and Silero VAD: speaker
#     count, known voices, subtitles, progress and cancellation; skipped
#     when the shared data is absent), the C and C++ tests of the image API
#     (the same, on the image fixtures and their two small CNN models), the C
#     test of the style API (loudness, comparison and style index on audio
#     it synthesises: no model, no data), the C test of the raw-vector
#     store API (exact search against brute force, batched search,
#     candidates, float16 storage, the HNSW index in memory and saved beside
#     a SQLite file, on random vectors it makes: no model, no data), the
#     speaker C example, the C++
#     example, whose scores must equal the Rust API's on the same audio
#     (voiceprint-ffi/examples/reference_scores.rs) within 1e-5, and the
#     image examples (C and C++ must print the same ranking, the query's
#     own picture first);
#  5. the tests and the C examples again under valgrind: no memory errors,
#     no definite leaks. The speaker ones run there with a small stand-in
#     model of random weights (voiceprint-core/tests/fixtures/models, spec
#     from its ONNX metadata): the GE2E LSTM runs ~2000x slower under
#     valgrind, which emulates FMA instructions in software (4 s of audio
#     take 45 s), while the library's own code paths are the same for any
#     model. The image models are small already. The diarization test runs
#     there on a 2 s clip (voiceprint-core/tests/fixtures/audio/speech_2s.flac)
#     with the same stand-in and the real Silero VAD, and fewer runs (~45 s).
#     The style test runs there with a few seconds of each signal (~25 s),
#     the store test with 600 vectors instead of 3000.
#
#   scripts/test_ffi.sh                 run everything
#   scripts/test_ffi.sh --regen-header  rewrite include/voiceprint.h
#
# Needs: cargo, cc/c++, pkg-config, valgrind (.ci/run installs them), the
# model and ONNX Runtime from scripts/setup.sh. VOICEPRINT_TEST_MODEL and
# VOICEPRINT_TEST_PRESET pick another speaker model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# cbindgen is a tool, not a dependency of any crate: pinned to one version
# (another version formats the header differently, which would read as
# drift) and installed once into target/tools with `cargo install --locked`
# when the machine has no cbindgen of that version. A build-dependency
# would instead compile cbindgen (syn, serde, toml, ...) into every build
# of the library, and a build script writing into include/ would modify the
# source tree on `cargo build`.
CBINDGEN_VERSION=0.29.4
cbindgen_bin() {
  if command -v cbindgen >/dev/null 2>&1 && [[ "$(cbindgen --version)" == "cbindgen $CBINDGEN_VERSION" ]]; then
    echo cbindgen
    return
  fi
  local tool_root="$root/target/tools/cbindgen-$CBINDGEN_VERSION"
  if [[ ! -x "$tool_root/bin/cbindgen" ]]; then
    echo "== installing cbindgen $CBINDGEN_VERSION into $tool_root" >&2
    cargo install cbindgen --locked --version "$CBINDGEN_VERSION" --root "$tool_root" >&2
  fi
  echo "$tool_root/bin/cbindgen"
}

generate_header() {
  "$(cbindgen_bin)" --quiet --config voiceprint-ffi/cbindgen.toml --crate voiceprint-ffi \
    --output "$1" voiceprint-ffi
}

if [[ "${1:-}" == "--regen-header" ]]; then
  generate_header include/voiceprint.h
  echo "wrote include/voiceprint.h"
  exit 0
fi

model="${VOICEPRINT_TEST_MODEL:-$root/models/ge2e-resemblyzer.onnx}"
preset="${VOICEPRINT_TEST_PRESET:-ge2e-resemblyzer}"
audio="$root/examples/audio"
images="$root/voiceprint-core/tests/fixtures/images"
if [[ ! -f "$model" ]]; then
  echo "speaker model $model not found: run scripts/setup.sh (or set VOICEPRINT_TEST_MODEL)" >&2
  exit 1
fi
# The diarizer's defaults were tuned with GE2E: its test uses GE2E whatever
# VOICEPRINT_TEST_MODEL says.
ge2e="$root/models/ge2e-resemblyzer.onnx"
vad_model="$root/models/silero_vad.onnx"
for m in "$ge2e" "$vad_model"; do
  [[ -f "$m" ]] || { echo "model $m not found: run scripts/setup.sh" >&2; exit 1; }
done
shared_data="$root/../shared/data"
conv="$shared_data/conversations-dev/conv09"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== header drift: include/voiceprint.h vs cbindgen $CBINDGEN_VERSION"
generate_header "$tmp/voiceprint.h"
if ! diff -u include/voiceprint.h "$tmp/voiceprint.h"; then
  echo "include/voiceprint.h is out of date: run scripts/test_ffi.sh --regen-header and commit it" >&2
  exit 1
fi

echo "== build and install libvoiceprint into $tmp/prefix"
scripts/install_ffi.sh "$tmp/prefix" dev
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cflags="$(pkg-config --cflags voiceprint)"
libs="$(pkg-config --libs voiceprint)"
static_libs="$(pkg-config --static --libs-only-l voiceprint | sed 's/-lvoiceprint//')"
export LD_LIBRARY_PATH="$tmp/prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

echo "== compile with -Wall -Wextra -Werror through pkg-config ($cflags $libs)"
warn=(-Wall -Wextra -Werror)
# shellcheck disable=SC2086 # pkg-config output is a list of flags
{
  cc -std=c11 "${warn[@]}" -g -O1 examples/c/identify_speaker.c $cflags $libs -lm \
    -o "$tmp/identify_speaker"
  cc -std=c11 "${warn[@]}" -g -O1 examples/c/identify_speaker.c $cflags \
    "$tmp/prefix/lib/libvoiceprint.a" $static_libs -o "$tmp/identify_speaker_static"
  c++ -std=c++17 "${warn[@]}" -g -O1 examples/cpp/identify_speakers.cpp $cflags $libs \
    -o "$tmp/identify_speakers"
  cc -std=c11 "${warn[@]}" -g -O1 -pthread voiceprint-ffi/tests/c/test_voiceprint.c $cflags \
    $libs -lm -o "$tmp/test_voiceprint"
  cc -std=c11 "${warn[@]}" -g -O1 voiceprint-ffi/tests/c/test_diarizer.c $cflags $libs -lm \
    -o "$tmp/test_diarizer"
  cc -std=c11 "${warn[@]}" -g -O1 voiceprint-ffi/tests/c/test_style.c $cflags $libs -lm \
    -o "$tmp/test_style"
  cc -std=c11 "${warn[@]}" -g -O1 voiceprint-ffi/tests/c/test_store_search.c $cflags $libs -lm \
    -o "$tmp/test_store_search"
  cc -std=c11 "${warn[@]}" -g -O1 examples/c/search_images.c $cflags $libs -o "$tmp/search_images"
  c++ -std=c++17 "${warn[@]}" -g -O1 examples/cpp/search_images.cpp $cflags $libs \
    -o "$tmp/search_images_cpp"
  cc -std=c11 "${warn[@]}" -g -O1 -pthread voiceprint-ffi/tests/c/test_image.c $cflags \
    $libs -lm -o "$tmp/test_image"
  c++ -std=c++17 "${warn[@]}" -g -O1 voiceprint-ffi/tests/cpp/test_image.cpp $cflags $libs \
    -o "$tmp/test_image_cpp"
  # The header is also valid C99 and C++ on its own; the C++ wrapper is
  # valid C++17 and C++20 (its std::span overloads).
  printf '#include <voiceprint.h>\nint main(void) { return 0; }\n' > "$tmp/h.c"
  cc -std=c99 -pedantic "${warn[@]}" $cflags -fsyntax-only "$tmp/h.c"
  c++ -std=c++17 -pedantic "${warn[@]}" $cflags -fsyntax-only -x c++ "$tmp/h.c"
  printf '#include <voiceprint.hpp>\nint main() { return 0; }\n' > "$tmp/hpp.cpp"
  c++ -std=c++20 -pedantic "${warn[@]}" $cflags -fsyntax-only "$tmp/hpp.cpp"
}

enroll_args=()
for clip in "$audio"/*-enroll.flac; do
  name="$(basename "$clip")"
  enroll_args+=("${name%-enroll.flac}=$clip")
done

echo "== C test"
mkdir -p "$tmp/c-test"
VP_TEST_ROUNDS=3 "$tmp/test_voiceprint" "$model" "$preset" "$audio" "$tmp/c-test"

echo "== C test of the diarization API (conv09, GE2E + Silero VAD)"
if [[ -f "$conv.flac" ]]; then
  mkdir -p "$tmp/diar-test"
  "$tmp/test_diarizer" "$ge2e" ge2e-resemblyzer "$vad_model" "$conv.flac" "$conv.rttm" \
    "$shared_data" "$tmp/diar-test"
else
  echo "skipped: $conv.flac not found (../shared/data is absent)"
fi

echo "== C and C++ tests of the image API"
mkdir -p "$tmp/image-test"
VP_TEST_ROUNDS=3 "$tmp/test_image" "$images" "$tmp/image-test"
"$tmp/test_image_cpp" "$images" "$tmp/image-test"

echo "== C test of the style API (synthesised audio)"
mkdir -p "$tmp/style-test"
"$tmp/test_style" "$tmp/style-test"

echo "== C test of the raw-vector store API (random vectors)"
mkdir -p "$tmp/store-test"
"$tmp/test_store_search" "$tmp/store-test"

echo "== image examples, C and C++"
image_args=(-p torchvision -o features "$images/tiny_cnn_nchw.onnx" "$images/chelsea.jpg"
  "$images/chelsea.png" "$images/pillow_torchvision_camera.png"
  "$images/pillow_torchvision_rocket.png")
"$tmp/search_images" "${image_args[@]}" | tee "$tmp/search_c.txt"
grep -q '^  1\. chelsea\.png ' "$tmp/search_c.txt" ||
  { echo "search_images: chelsea.jpg did not find chelsea.png first" >&2; exit 1; }
"$tmp/search_images_cpp" "${image_args[@]}" > "$tmp/search_cpp.txt"
diff -u "$tmp/search_c.txt" "$tmp/search_cpp.txt" ||
  { echo "the C++ image example differs from the C one" >&2; exit 1; }

echo "== C example (shared and static library)"
for exe in identify_speaker identify_speaker_static; do
  "$tmp/$exe" -p "$preset" "$model" "$audio/1034-test.flac" "${enroll_args[@]}" | tee "$tmp/$exe.txt"
  grep -q '^  1\. 1034 ' "$tmp/$exe.txt" || { echo "$exe: 1034-test.flac not ranked 1034 first" >&2; exit 1; }
done

echo "== C++ example vs the Rust API"
"$tmp/identify_speakers" -p "$preset" "$model" "$audio" | tee "$tmp/cpp.txt"
cargo run --locked --quiet -p voiceprint-ffi --example reference_scores -- \
  -p "$preset" "$model" "$audio" > "$tmp/rust.txt"
# Same lines, same words; numbers (scores) equal within 1e-5.
awk -v tol=1e-5 '
  NR == FNR { want[FNR] = $0; n = FNR; next }
  {
    m = FNR
    nw = split(want[FNR], w, / +/); ng = split($0, g, / +/)
    if (nw != ng) { print "line " FNR ": Rust \"" want[FNR] "\", C++ \"" $0 "\""; bad = 1; next }
    for (i = 1; i <= nw; i++) {
      if (w[i] ~ /^-?[0-9]+\.[0-9]+$/ && g[i] ~ /^-?[0-9]+\.[0-9]+$/) {
        d = w[i] - g[i]; if (d < 0) d = -d
        if (d > maxd) maxd = d
        if (d > tol) { print "line " FNR ": score " w[i] " (Rust) vs " g[i] " (C++)"; bad = 1 }
      } else if (w[i] != g[i]) {
        print "line " FNR ": Rust \"" want[FNR] "\", C++ \"" $0 "\""; bad = 1
      }
    }
  }
  END {
    if (m != n) { print "Rust printed " n " lines, C++ " m; bad = 1 }
    printf "C++ and Rust agree on %d lines; largest score difference %g\n", n, maxd
    exit bad
  }' "$tmp/rust.txt" "$tmp/cpp.txt"
grep -q '^  ' "$tmp/cpp.txt" || { echo "C++ example printed no scores" >&2; exit 1; }

echo "== valgrind: C tests, C++ image test, examples (stand-in speaker model)"
# Only definite leaks fail the run: ONNX Runtime, rayon's pool and Rust's
# thread-locals keep process-lifetime allocations ("still reachable") and
# thread stacks ("possibly lost") on purpose. Memory errors in glibc's
# loader and ONNX Runtime that are known harmless are suppressed, one by one,
# in valgrind.supp.
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
  --error-exitcode=1
  --suppressions=voiceprint-ffi/tests/c/valgrind.supp)
vg_model="$root/voiceprint-core/tests/fixtures/models/tiny_3dspeaker_meta.onnx"
mkdir -p "$tmp/c-test-vg"
VP_TEST_ROUNDS=1 VP_TEST_STAND_IN=1 "${vg[@]}" "$tmp/test_voiceprint" "$vg_model" metadata "$audio" \
  "$tmp/c-test-vg"
"${vg[@]}" "$tmp/identify_speaker" -p metadata "$vg_model" "$audio/1034-test.flac" "${enroll_args[@]}" \
  >/dev/null
"${vg[@]}" "$tmp/identify_speakers" -p metadata "$vg_model" "$audio" >/dev/null
mkdir -p "$tmp/diar-test-vg"
VP_TEST_STAND_IN=1 "${vg[@]}" "$tmp/test_diarizer" "$vg_model" metadata "$vad_model" \
  "$root/voiceprint-core/tests/fixtures/audio/speech_2s.flac" - - "$tmp/diar-test-vg"
mkdir -p "$tmp/style-test-vg"
VP_TEST_SHORT=1 "${vg[@]}" "$tmp/test_style" "$tmp/style-test-vg"
mkdir -p "$tmp/store-test-vg"
VP_TEST_SHORT=1 "${vg[@]}" "$tmp/test_store_search" "$tmp/store-test-vg"
mkdir -p "$tmp/image-test-vg"
VP_TEST_ROUNDS=1 "${vg[@]}" "$tmp/test_image" "$images" "$tmp/image-test-vg"
"${vg[@]}" "$tmp/test_image_cpp" "$images" "$tmp/image-test-vg"
"${vg[@]}" "$tmp/search_images" "${image_args[@]}" >/dev/null
echo "== C ABI tests passed"
