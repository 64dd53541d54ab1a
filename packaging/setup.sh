#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian/Ubuntu machine that has only Node and npm:
# system packages when missing, `npm ci` when the lock file changed, then an incremental build of
# the TypeScript, the BPF object and the addon. `--build-only` skips the installs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# What the build (clang, libbpf, libelf, zlib, node-gyp's toolchain) and the tests need: logrotate,
# zstd and gzip (stock decoders), util-linux and bsdutils (script, runuser, setsid, unshare, setpriv,
# flock), systemd (systemd-analyze for the unit), strace and binutils (the unit's syscall filter and
# the .deb's ELF files), dpkg-dev (dpkg-shlibdeps: the .deb's library dependencies), debootstrap
# (the .deb installed on a stock Debian 12 root), lintian (the .deb checked as Debian checks its
# own), prometheus-node-exporter (precd's metrics file scraped by the real exporter), pandoc (the
# man pages from docs/man) and man-db with groff-base (the pages rendered as lintian renders them);
# clickhouse-server, clickhouse-client and rsyslog for prec-ship's end-to-end tests (each test
# starts its own server on loopback ports in a temp dir; the system services these packages may
# start are never used).
PACKAGES=(clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config bpftool make g++ python3
          logrotate zstd gzip util-linux bsdutils procps systemd strace binutils
          dpkg-dev debootstrap lintian prometheus-node-exporter pandoc man-db groff-base
          clickhouse-server clickhouse-client rsyslog)

log() { printf 'setup: %s\n' "$*" >&2; }

install_system_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "this is not a Debian-like system; install these packages yourself: ${missing[*]}"
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "missing system packages: ${missing[*]}"
    log "run as root (or: sudo apt-get install -y ${missing[*]})"
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_node_modules() {
  local want have=''
  want=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-64)
  [ -f node_modules/.prec-setup-stamp ] && have=$(cat node_modules/.prec-setup-stamp)
  [ "$want" = "$have" ] && return 0
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.prec-setup-stamp
}

if [ "${1:-}" != "--build-only" ]; then
  install_system_packages
  install_node_modules
fi
node_modules/.bin/just build
