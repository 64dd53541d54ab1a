#!/usr/bin/env bash
# Builds the release artefacts from an already built tree (`just release` runs `just build` first):
#   dist/prec_<version>_<arch>.deb      Debian package (dpkg-deb), installs:
#       /usr/lib/prec/                  the app: compiled JS, bin/, BPF object, addon, production node_modules
#       /usr/bin/prec, /usr/sbin/precd  small wrappers that run it with the system's node
#       /lib/systemd/system/precd.service, /etc/logrotate.d/prec
#       /etc/prec/precd.conf            the example config (conffile), /var/log/prec (0750)
#   dist/prec_<version>_<arch>.tar.gz   the same file tree for hosts without dpkg (tar -C / -xzf)
#   dist/prec-<version>.src.tar.gz      the sources of HEAD (git archive), when built from git
# Usage: packaging/build-deb.sh [OUTDIR]   (default: dist)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
outdir=${1:-dist}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

die() { printf 'build-deb: %s\n' "$*" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
name="prec_${version}_${arch}"

addon=addon/build/Release/prec_addon.node
bpf_obj=build/bpf/prec.bpf.o
for f in bin/prec.js bin/precd.js build/src/daemon/main.js build/src/cli/commands.js build/src/cli/commands/index.js "$bpf_obj" "$addon"; do
  [ -f "$f" ] || die "missing $f: run 'just build' first"
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/prec-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
pkg="$stage/$name"
app="$pkg/usr/lib/prec"
install -d -m 0755 "$app" "$pkg/usr/bin" "$pkg/usr/sbin" "$pkg/lib/systemd/system" \
  "$pkg/etc/prec" "$pkg/etc/logrotate.d" "$pkg/usr/share/doc/prec" "$pkg/DEBIAN"
install -d -m 0750 "$pkg/var/log/prec"

# --- the app, in the repository's own layout so every relative path in the code still holds -----
cp package.json "$app/"
cp -r bin "$app/bin"
mkdir -p "$app/build"
# Compiled sources only: no tests, benchmarks, source maps (they point at .ts files not shipped).
(cd build && find src -type f -name '*.js' -print0) | while IFS= read -r -d '' f; do
  install -D -m 0644 "build/$f" "$app/build/$f"
done
install -D -m 0644 "$bpf_obj" "$app/$bpf_obj"
# `prec hunt`'s default rules (build/src/hunt/load.js reads ../../../rules): SigmaHQ's set keeps its
# licence files (DRL 1.1 asks for the attribution to be kept), and the doc dir says so too.
[ -f rules/sigma/LICENSE.Detection.Rules.md ] || die "missing rules/sigma with its licence"
cp -r rules "$app/rules"
chmod -R u=rwX,go=rX "$app/rules"
install -D -m 0755 "$addon" "$app/$addon"

# Production dependencies, copied from the installed node_modules (their native bindings are already
# built for this node; no registry needed). `npm ls` resolves the tree from the lock file.
mapfile -t deps < <(npm ls --omit=dev --all --parseable --loglevel=error 2>/dev/null | tail -n +2 | sed "s|^$root/||" | sort -u)
[ ${#deps[@]} -gt 0 ] || die "npm ls found no production dependencies: run 'npm ci' first"
copied=()
for d in "${deps[@]}"; do
  skip=
  for c in "${copied[@]}"; do case "$d" in "$c"/*) skip=1; break ;; esac; done
  [ -n "$skip" ] && continue
  mkdir -p "$app/$(dirname "$d")"
  cp -a "$d" "$app/$d"
  copied+=("$d")
done
# zstd-napi keeps its zstd sources and intermediate objects next to the binding: not needed to run.
z="$app/node_modules/zstd-napi"
rm -rf "$z/deps" "$z/src" "$z/build/Release/obj.target" "$z/build/Release/.deps" "$z/build/Release/zstd.a" \
  "$z/build/Makefile" "$z/build/"*.mk "$z/build/config.gypi"
[ -f "$z/build/Release/binding.node" ] || die "zstd-napi has no built binding: run 'npm ci' first"

# --- wrappers, system files -------------------------------------------------------------------------
cat > "$pkg/usr/bin/prec" <<'EOF'
#!/bin/sh
# prec: reads the command log written by precd. See /usr/share/doc/prec/README.md.
exec /usr/bin/node /usr/lib/prec/bin/prec.js "$@"
EOF
# precd's node flags live in bin/precd.js's `#!/usr/bin/env -S node FLAGS` line; the wrapper runs the
# system's node with the same ones.
precd_flags=$(sed -n '1s|^#!/usr/bin/env -S node||p' bin/precd.js)
[ -n "$precd_flags" ] || { echo "build-deb: bin/precd.js does not start with #!/usr/bin/env -S node FLAGS" >&2; exit 1; }
cat > "$pkg/usr/sbin/precd" <<EOF
#!/bin/sh
# precd: the prec daemon (eBPF). Normally run by systemd: systemctl enable --now precd
exec /usr/bin/node$precd_flags /usr/lib/prec/bin/precd.js "\$@"
EOF
chmod 0755 "$pkg/usr/bin/prec" "$pkg/usr/sbin/precd"
install -m 0644 systemd/precd.service "$pkg/lib/systemd/system/precd.service"
install -m 0644 logrotate/prec "$pkg/etc/logrotate.d/prec"
install -m 0644 packaging/precd.conf.example "$pkg/etc/prec/precd.conf"
[ -f README.md ] && install -m 0644 README.md "$pkg/usr/share/doc/prec/README.md"
cat > "$pkg/usr/share/doc/prec/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: prec

Files: *
License: $(node -p 'require("./package.json").license')

Files: usr/lib/prec/rules/sigma/*
Copyright: the SigmaHQ project and each rule's author (see the author field of each rule)
License: DRL-1.1
 Detection Rule License 1.1, https://github.com/SigmaHQ/Detection-Rule-License; the full text is
 /usr/lib/prec/rules/sigma/LICENSE.Detection.Rules.md, the source and commit are in
 /usr/lib/prec/rules/sigma/README.md.
EOF
install -m 0644 rules/sigma/README.md "$pkg/usr/share/doc/prec/sigma-rules-README.md"
install -m 0644 rules/sigma/LICENSE.Detection.Rules.md "$pkg/usr/share/doc/prec/sigma-rules-LICENSE.Detection.Rules.md"

# --- control files ----------------------------------------------------------------------------------
# Depends: nodejs >= 20 (package.json engines; Debian 12's own nodejs is 18, so on Debian 12 this
# is met by NodeSource's "nodejs" package, which is what build hosts use), and the shared libraries
# the native addons link against (libbpf1, libelf1, zlib1g, libstdc++6, libc6, ...) from their
# objdump NEEDED entries, each mapped to the package that owns it on this build host.
node_min=$(node -p 'require("./package.json").engines.node.replace(/^>=\s*/, "")')
libdeps=$(
  find "$app" -name '*.node' -type f -print0 | xargs -0 objdump -p | awk '/NEEDED/ {print $2}' | sort -u |
  while read -r lib; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64|AArch64|aarch64|64bit/ {print $NF; exit}')
    [ -n "$path" ] || path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    [ -n "$path" ] || die "cannot find $lib (needed by a native addon)"
    # Merged /usr: dpkg may know the file under /lib or under /usr/lib.
    owner=
    for candidate in "$path" "/usr$path" "${path#/usr}" "$(readlink -f "$path")"; do
      owner=$(dpkg -S "$candidate" 2>/dev/null | head -n 1) && [ -n "$owner" ] && break
    done
    [ -n "$owner" ] || die "no package owns $lib ($path)"
    echo "${owner%%:*}"
  done
  # libbpf (whether the addon links it dynamically or not) needs libelf and zlib at run time.
  printf '%s\n' libbpf1 libelf1 zlib1g
)
libdeps=$(printf '%s\n' $libdeps | sort -u)
depends="nodejs (>= ${node_min})"
for p in $libdeps; do depends="$depends, $p"; done

installed_size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s/@DEPENDS@/$depends/" packaging/deb/control > "$pkg/DEBIAN/control"
install -m 0644 packaging/deb/conffiles "$pkg/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$pkg/DEBIAN/$s"; done

# Smoke test of the staged tree before packing it: both programs start from their install layout.
node "$app/bin/prec.js" --version >/dev/null || die "staged prec --version failed"
node "$app/bin/precd.js" --version >/dev/null || die "staged precd --version failed"

dpkg-deb --root-owner-group -Zxz --build "$pkg" "$outdir/$name.deb" >/dev/null
# Only prec's own paths: no entries for /, /etc, /usr..., whose modes tar would otherwise reset.
tar -C "$pkg" --owner=0 --group=0 --numeric-owner -czf "$outdir/$name.tar.gz" \
  etc/prec etc/logrotate.d/prec lib/systemd/system/precd.service usr/bin/prec usr/sbin/precd \
  usr/lib/prec usr/share/doc/prec var/log/prec
if git rev-parse --git-dir >/dev/null 2>&1; then
  git archive --format=tar.gz --prefix="prec-$version/" -o "$outdir/prec-$version.src.tar.gz" HEAD
fi
printf 'build-deb: %s\n' "$outdir/$name.deb" "$outdir/$name.tar.gz" >&2
