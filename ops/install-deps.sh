#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine with Swift: the C libraries
# (OpenBLAS, libzmq, msgpack-c, pkg-config) from apt, NumPy for the reference tests, and
# pyzmq and msgpack for the Python wire tests (Tests/Python).
# Safe to run again: it installs only what is missing.
set -euo pipefail

sudo_cmd=""
[[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
apt_install() {
  echo "installing $*"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

packages=(libopenblas-dev libzmq3-dev libmsgpack-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
if ! python3 -c 'import numpy' 2>/dev/null; then
  echo "installing numpy (reference tests)"
  # pip where the interpreter allows it; Debian's own python3 refuses (PEP 668): use apt.
  python3 -m pip install --quiet numpy 2>/dev/null || apt_install python3-numpy
fi
if ! python3 -c 'import zmq, msgpack' 2>/dev/null; then
  echo "installing pyzmq and msgpack (Python wire tests)"
  python3 -m pip install --quiet pyzmq msgpack 2>/dev/null || apt_install python3-zmq python3-msgpack
fi
