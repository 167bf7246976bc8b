#!/usr/bin/env bash
# Install the Debian 12 packages rankbench needs to build and test.
# Idempotent: asks apt only for what is missing. Run as root.
set -euo pipefail

packages=(
    build-essential cmake pkg-config git
    libjansson-dev zlib1g-dev libssl-dev libpq-dev libopenblas-dev
    libstemmer-dev libcurl4-openssl-dev libzip-dev
    gnuplot-nox fonts-dejavu-core postgresql-15
    python3 python3-numpy python3-scipy
    clang
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
        grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
