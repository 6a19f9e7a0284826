#!/usr/bin/env bash
# Installs (with apt) whatever Larch needs to build and test that is not already present.
# Sourced by scripts/run and scripts/test; safe to run repeatedly.
set -euo pipefail

LARCH_BUILD_DEPS=(cmake g++ make pkg-config libboost1.81-dev libboost-json1.81-dev
  libboost-url1.81-dev libsqlite3-dev libssl-dev libyaml-cpp-dev libcrypt-dev catch2)
LARCH_TEST_DEPS=(curl jq wrk etcd-server etcd-client python3 python3-etcd python3-pytest
  python3-requests clang libclang-rt-14-dev openssl)

larch_install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "scripts: installing ${missing[*]}" >&2
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
