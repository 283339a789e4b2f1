#!/usr/bin/env bash
# Installs Debian's etcd-server (etcd 3.4) for `npm run bench -- raft`, unless an etcd binary is
# already there (on PATH, /usr/bin/etcd, or $ETCD_BIN). apt-get runs under `flock /tmp/apt.lock`
# when flock exists, so parallel installs on a shared machine wait for each other.
set -euo pipefail

found() {
  if [ -n "${ETCD_BIN:-}" ] && [ -x "${ETCD_BIN}" ]; then echo "${ETCD_BIN}"; return 0; fi
  command -v etcd 2>/dev/null && return 0
  [ -x /usr/bin/etcd ] && { echo /usr/bin/etcd; return 0; }
  return 1
}

if bin=$(found); then
  echo "etcd is installed: ${bin} ($("${bin}" --version | head -n 1))"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else echo "install-etcd: apt-get needs root (and sudo is missing)" >&2; exit 1; fi
fi
locked() { if command -v flock >/dev/null 2>&1; then flock /tmp/apt.lock "$@"; else "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
apt_install() { locked "${sudo[@]}" apt-get install -y --no-install-recommends etcd-server; }

# The package lists may be missing or stale on a fresh machine: update once and retry.
if ! apt_install; then
  locked "${sudo[@]}" apt-get update
  apt_install
fi

bin=$(found) || { echo "install-etcd: etcd-server installed but no etcd binary found" >&2; exit 1; }
echo "etcd installed: ${bin} ($("${bin}" --version | head -n 1))"
