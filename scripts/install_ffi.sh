#!/usr/bin/env bash
# Builds libvoiceprint (the C ABI, crate voiceprint-ffi) and installs it:
#
#   scripts/install_ffi.sh PREFIX [release|dev]
#
#   PREFIX/lib/libvoiceprint.so.X.Y.Z (+ .so.X and .so links), libvoiceprint.a
#   PREFIX/include/voiceprint.h, voiceprint.hpp
#   PREFIX/lib/pkgconfig/voiceprint.pc
#
# Then: cc app.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs voiceprint)
# and run with PREFIX/lib on the loader path (LD_LIBRARY_PATH or -Wl,-rpath).
# The profile defaults to release; the tests use dev, whose dependencies are
# optimised too (see the workspace Cargo.toml) and already built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:?usage: scripts/install_ffi.sh PREFIX [release|dev]}"
profile="${2:-release}"
case "$profile" in
  release) out_dir=release ;;
  dev) out_dir=debug ;;
  *) echo "profile must be release or dev, not $profile" >&2; exit 2 ;;
esac

cd "$root"
cargo build --locked -p voiceprint-ffi --lib --profile "$profile"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
lib_dir="$target_dir/$out_dir"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
major="${version%%.*}"

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 755 "$lib_dir/libvoiceprint.so" "$prefix/lib/libvoiceprint.so.$version"
ln -sf "libvoiceprint.so.$version" "$prefix/lib/libvoiceprint.so.$major"
ln -sf "libvoiceprint.so.$major" "$prefix/lib/libvoiceprint.so"
install -m 644 "$lib_dir/libvoiceprint.a" "$prefix/lib/libvoiceprint.a"
install -m 644 include/voiceprint.h include/voiceprint.hpp "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" \
  voiceprint-ffi/voiceprint.pc.in > "$prefix/lib/pkgconfig/voiceprint.pc"
echo "installed libvoiceprint $version ($profile) into $prefix"
