#!/usr/bin/env bash
# Install what building and testing ax needs on a Debian/Ubuntu machine:
# compilers, CMake, BLAS/LAPACK, zlib, cJSON, the clang runtime (sanitizers,
# libFuzzer) and NumPy (reference scripts and the benchmark peer).
# Idempotent and quiet: packages already present are not touched.
set -euo pipefail

APT_PKGS=(cmake make gcc clang pkg-config git libopenblas-dev liblapacke-dev zlib1g-dev
          libcjson-dev libclang-rt-14-dev python3 python3-pip)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "setup.sh: run as root or install sudo" >&2; exit 1; fi
fi

missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# NumPy for whichever python3 is first on PATH (what the scripts run).
if ! python3 -c "import numpy" >/dev/null 2>&1; then
    echo "setup.sh: installing numpy"
    python3 -m pip install -q numpy 2>/dev/null ||
        python3 -m pip install -q --break-system-packages numpy 2>/dev/null ||
        { $SUDO apt-get install -y -qq python3-numpy >/dev/null; }
    python3 -c "import numpy" || { echo "setup.sh: numpy could not be installed" >&2; exit 1; }
fi
echo "setup.sh: ok ($(cmake --version | head -1), gcc $(gcc -dumpversion), numpy $(python3 -c 'import numpy; print(numpy.__version__)'))"
