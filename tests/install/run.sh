#!/usr/bin/env bash
# Install ax to a temporary prefix and build a downstream program against it
# twice: with CMake (find_package(ax), shared and static) and with pkg-config
# (shared and --static). Usage: tests/install/run.sh [existing-build-dir]
# Without an argument it configures and builds ax in a temporary directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d /tmp/ax-install.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
jobs="${AX_JOBS:-$(nproc)}"

build="${1:-}"
if [ -z "$build" ]; then
    build="$tmp/build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAX_BUILD_TESTS=OFF \
        -DAX_BUILD_BENCH=OFF -DAX_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$build" -j"$jobs" --target ax ax_static >/dev/null
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
version="$(sed -n 's/^project(ax VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"

echo "== CMake consumer (find_package(ax))"
cmake -S "$here" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/consumer" -j"$jobs" >/dev/null
# The shared build must find libax.so in the prefix (through its RPATH).
"$tmp/consumer/use_shared"
"$tmp/consumer/use_static"
if ldd "$tmp/consumer/use_static" | grep -q 'libax\.so'; then
    echo "use_static is linked against libax.so" >&2; exit 1
fi

echo "== pkg-config consumer"
libdir="$(dirname "$(find "$prefix" -name ax.pc -path '*pkgconfig*' | head -1)")"
export PKG_CONFIG_PATH="$libdir"
cc=${CC:-cc}
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Werror -DAX_EXPECTED_VERSION="\"$version\"" "$here/main.c" \
    $(pkg-config --cflags --libs ax) -o "$tmp/pc_shared"
LD_LIBRARY_PATH="$(pkg-config --variable=libdir ax)" "$tmp/pc_shared"
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Werror -DAX_EXPECTED_VERSION="\"$version\"" "$here/main.c" \
    $(pkg-config --cflags ax) "$(pkg-config --variable=libdir ax)/libax.a" \
    $(pkg-config --static --libs-only-other --libs-only-l ax | sed 's/-lax\b//') -o "$tmp/pc_static"
"$tmp/pc_static"
echo "install test: ok"
