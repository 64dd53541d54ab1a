#!/usr/bin/env bash
# Builds the release artefacts from an already built tree (`just release` runs `just build` first):
#   dist/prec_<version>_<arch>.deb      Debian package (dpkg-deb), installs:
#       /usr/lib/prec/                  the app: compiled JS, bin/, BPF object, addon, production node_modules,
#                                       and its runtime: bin/node (the node that built it), lib/libbpf.so.1
#       /usr/bin/prec, /usr/sbin/precd, /usr/bin/prec-ship  small wrappers that run it with that node
#       /lib/systemd/system/{precd,prec-ship}.service, /etc/logrotate.d/prec
#       /etc/prec/precd.conf            the example config (conffile), /var/log/prec (0750)
#       /etc/prec/ship.conf             prec-ship's example config (conffile, 0600: it may hold credentials)
#       /usr/share/doc/prec/            README, copyright, node.LICENSE; lintian overrides (with reasons)
#       /usr/share/man/man{1,5,8}/      prec.1, precd.8, precd.conf.5, prec-ship.8, ship.conf.5 (.gz)
#       /usr/share/bash-completion/completions/prec, /usr/share/zsh/vendor-completions/_prec
#   dist/prec_<version>_<arch>.tar.gz   the same file tree for hosts without dpkg (tar -C / -xzf)
#   dist/prec-<version>.src.tar.gz      the sources of HEAD (git archive), when built from git
# Usage: packaging/build-deb.sh [OUTDIR]   (default: dist)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
outdir=${1:-dist}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

die() { printf 'build-deb: %s\n' "$*" >&2; exit 1; }

version=$(node -p 'require("./package.json").version')
arch=$(dpkg --print-architecture)
name="prec_${version}_${arch}"

addon=addon/build/Release/prec_addon.node
bpf_obj=build/bpf/prec.bpf.o
for f in bin/prec.js bin/precd.js bin/prec-ship.js build/src/daemon/main.js build/src/ship/main.js \
  build/completion/prec.bash build/completion/_prec build/src/cli/commands.js build/src/cli/commands/index.js build/src/hunt/shipped-rules.json "$bpf_obj" "$addon"; do
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
# The shipped rules compiled at build time (src/hunt/cache.ts), beside the code that reads it.
install -D -m 0644 build/src/hunt/shipped-rules.json "$app/build/src/hunt/shipped-rules.json"
# `prec hunt`'s default rules (build/src/hunt/load.js reads ../../../rules): SigmaHQ's set keeps its
# licence files (DRL 1.1 asks for the attribution to be kept), and the doc dir says so too.
[ -f rules/sigma/LICENSE.Detection.Rules.md ] || die "missing rules/sigma with its licence"
cp -r rules "$app/rules"
chmod -R u=rwX,go=rX "$app/rules"
install -D -m 0755 "$addon" "$app/$addon"

# Production dependencies, copied from the installed node_modules (their native bindings are already
# built for this node; no registry needed). The tree is the lock file's packages not marked "dev":
# `npm ls` cannot be trusted here (a worktree's node_modules may be a symlink to another tree's).
mapfile -t deps < <(node -e '
  const pkgs = require("./package-lock.json").packages;
  for (const [path, p] of Object.entries(pkgs)) if (path.startsWith("node_modules/") && !p.dev) console.log(path);' | sort)
[ ${#deps[@]} -gt 0 ] || die "package-lock.json lists no production dependencies"
for d in "${deps[@]}"; do
  [ -d "$app/$d" ] && continue  # a nested package, copied with its parent
  [ -d "$d" ] || die "missing $d: run 'npm ci' first"
  mkdir -p "$app/$(dirname "$d")"
  cp -a "$d" "$app/$d"
done
# Lean: nothing that only a build, an editor or a test run reads.
find "$app/node_modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete
find "$app/node_modules" -depth -type d \( -name test -o -name tests -o -name __tests__ \) -exec rm -rf {} +
find "$app/node_modules" -depth -name '.*' -exec rm -rf {} +  # .eslintrc, .github, .package-lock.json, ...
# Native packages (zstd-napi, re2) keep their C/C++ sources and intermediate objects next to the
# binding (re2: ~85 MB): only build/Release/*.node is loaded at run time.
for nb in $(find "$app/node_modules" -path '*/build/Release/*.node' -type f); do
  p=${nb%/build/Release/*}
  keep=$(mktemp -d "$stage/keep.XXXXXX")
  mv "$p/build/Release/"*.node "$keep/"
  rm -rf "$p/build" "$p/deps" "$p/vendor"
  mkdir -p "$p/build/Release"
  mv "$keep/"*.node "$p/build/Release/"
  rmdir "$keep"
done
rm -rf "$app/node_modules/zstd-napi/src"  # C++ sources (its JavaScript is in dist/)
find "$app/node_modules" -depth -type d -empty -delete  # left by the type declarations
z="$app/node_modules/zstd-napi"
[ -f "$z/build/Release/binding.node" ] || die "zstd-napi has no built binding: run 'npm ci' first"
# Library code is read by node, never executed: plain files 0644 (also the .node shared objects).
find "$app/node_modules" -type f -exec chmod 0644 {} +
chmod 0644 "$app/$addon"

# --- the runtime: the node that built this tree, so that the package needs no nodejs package -------
# (Debian 12 and Ubuntu 22.04/24.04 ship node 18 or older; package.json needs >= 20.)
node_bin=$(readlink -f "$(command -v node)")
node_lic=
for f in "$(dirname "$node_bin")/../share/doc/node/LICENSE" /usr/share/doc/nodejs/LICENSE /usr/share/doc/node/LICENSE; do
  [ -f "$f" ] && { node_lic=$f; break; }
done
if [ -z "$node_lic" ] && owner=$(dpkg -S "$node_bin" 2>/dev/null); then
  node_lic=$(dpkg -L "${owner%%:*}" | grep -m1 -E '/(LICENSE|copyright)$' || true)
fi
[ -n "$node_lic" ] || die "cannot find the licence of $node_bin"
install -m 0755 "$node_bin" "$app/bin/node"
install -m 0644 "$node_lic" "$pkg/usr/share/doc/prec/node.LICENSE"
# libbpf.so.1, which the addon finds through its RUNPATH ($ORIGIN/../../../lib): Ubuntu 22.04 has
# no libbpf1 package. Its own needs (libelf, zlib) are in every target's base.
libbpf=$(ldd "$addon" | awk '$1 == "libbpf.so.1" {print $3}')
[ -n "$libbpf" ] || die "the addon does not link libbpf.so.1"
install -D -m 0644 "$(readlink -f "$libbpf")" "$app/lib/libbpf.so.1"
# Symbols are for debuggers (strip is what dh_strip does): node alone carries ~12 MB of them.
strip --strip-unneeded "$app/bin/node" "$app/$addon" "$app/lib/libbpf.so.1"
find "$app/node_modules" -name '*.node' -type f -exec strip --strip-unneeded {} +
[ "$(readelf -d "$app/$addon" | grep -c 'RUNPATH.*\$ORIGIN/\.\./\.\./\.\./lib')" = 1 ] ||
  die "the addon has no RUNPATH to /usr/lib/prec/lib: rebuild it (just build-addon)"

# --- wrappers, system files -------------------------------------------------------------------------
cat > "$pkg/usr/bin/prec" <<'EOF'
#!/bin/sh
# prec: reads the command log written by precd. See /usr/share/doc/prec/README.md.
exec /usr/lib/prec/bin/node /usr/lib/prec/bin/prec.js "$@"
EOF
# precd's node flags live in bin/precd.js's `#!/usr/bin/env -S node FLAGS` line; the wrapper runs the
# bundled node with the same ones.
precd_flags=$(sed -n '1s|^#!/usr/bin/env -S node||p' bin/precd.js)
[ -n "$precd_flags" ] || { echo "build-deb: bin/precd.js does not start with #!/usr/bin/env -S node FLAGS" >&2; exit 1; }
cat > "$pkg/usr/sbin/precd" <<EOF
#!/bin/sh
# precd: the prec daemon (eBPF). Normally run by systemd: systemctl enable --now precd
exec /usr/lib/prec/bin/node$precd_flags /usr/lib/prec/bin/precd.js "\$@"
EOF
cat > "$pkg/usr/bin/prec-ship" <<'EOF'
#!/bin/sh
# prec-ship: ships precd's log to ClickHouse and syslog. Normally run by systemd: prec-ship.service
exec /usr/lib/prec/bin/node /usr/lib/prec/bin/prec-ship.js "$@"
EOF
chmod 0755 "$pkg/usr/bin/prec" "$pkg/usr/sbin/precd" "$pkg/usr/bin/prec-ship"
install -m 0644 systemd/precd.service "$pkg/lib/systemd/system/precd.service"
install -m 0644 systemd/prec-ship.service "$pkg/lib/systemd/system/prec-ship.service"
install -m 0644 logrotate/prec "$pkg/etc/logrotate.d/prec"
install -m 0644 packaging/precd.conf.example "$pkg/etc/prec/precd.conf"
install -m 0600 packaging/ship.conf.example "$pkg/etc/prec/ship.conf"
# Shell completion, generated by `just build` (src/cli/completion.ts), where bash-completion and zsh look.
install -D -m 0644 build/completion/prec.bash "$pkg/usr/share/bash-completion/completions/prec"
install -D -m 0644 build/completion/_prec "$pkg/usr/share/zsh/vendor-completions/_prec"
[ -f README.md ] && install -m 0644 README.md "$pkg/usr/share/doc/prec/README.md"
license=$(node -p 'require("./package.json").license')
libbpf_pkg=$(dpkg -S "$libbpf" 2>/dev/null | cut -d: -f1 | head -n 1 || true)
cat > "$pkg/usr/share/doc/prec/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: prec

Files: *
Copyright: $(date -u +%Y) the prec authors
License: $license

Files: usr/lib/prec/bin/node
Copyright: Node.js contributors and the authors of its bundled components (see the licence file)
License: Node.js
 The full text, with the licences of the components node bundles, is in
 /usr/share/doc/prec/node.LICENSE (node $(node --version), from $node_lic).

Files: usr/lib/prec/lib/libbpf.so.1
Copyright: the libbpf authors
License: LGPL-2.1 or BSD-2-clause
 Copied from the build host's ${libbpf_pkg:-libbpf} package; the LGPL-2.1 text is in
 /usr/share/common-licenses/LGPL-2.1.

Files: usr/lib/prec/node_modules/*
Copyright: the authors of each package
License: various
 Each package's licence is in its directory under /usr/lib/prec/node_modules.

Files: usr/lib/prec/rules/sigma/*
Copyright: the SigmaHQ project and each rule's author (see the author field of each rule)
License: DRL-1.1
 Detection Rule License 1.1, https://github.com/SigmaHQ/Detection-Rule-License; the full text is
 /usr/lib/prec/rules/sigma/LICENSE.Detection.Rules.md, the source and commit are in
 /usr/lib/prec/rules/sigma/README.md.
EOF
# Debian wants a changelog in every package; the real history is git's.
date=$(git log -1 --format=%aD 2>/dev/null || date -R)
printf '%s\n' "prec ($version) unstable; urgency=medium" '' \
  "  * Built by packaging/build-deb.sh; the project's history is its git log." '' \
  " -- prec maintainers <prec@localhost>  $date" | gzip -9n > "$pkg/usr/share/doc/prec/changelog.gz"
install -D -m 0644 packaging/deb/lintian-overrides "$pkg/usr/share/lintian/overrides/prec"

# --- man pages: docs/man/NAME.SECTION.md, rendered into build/man (`just man`; rebuilt here so that
# the package never carries stale ones), installed compressed with gzip -9n as Debian policy asks.
bash packaging/build-man.sh build/man
man_paths=()
for md in docs/man/*.md; do
  page=$(basename "$md" .md)
  dir="usr/share/man/man${page##*.}"
  install -d -m 0755 "$pkg/$dir"
  gzip -9n -c "build/man/$page" > "$pkg/$dir/$page.gz"
  chmod 0644 "$pkg/$dir/$page.gz"
  man_paths+=("$dir/$page.gz")
done
install -m 0644 rules/sigma/README.md "$pkg/usr/share/doc/prec/sigma-rules-README.md"
install -m 0644 rules/sigma/LICENSE.Detection.Rules.md "$pkg/usr/share/doc/prec/sigma-rules-LICENSE.Detection.Rules.md"

# --- control files ----------------------------------------------------------------------------------
# Depends: the C libraries the ELF files link (node, the addons, the bundled libbpf), with the minimum
# versions the symbols they use need, as dpkg-shlibdeps (the tool Debian's own builds use) computes
# them from the build host's shlibs/symbols files. libbpf1 is not one: it is bundled (see above).
mkdir -p "$stage/debian"
printf 'Source: prec\n\nPackage: prec\nArchitecture: any\n' > "$stage/debian/control"
mapfile -t elves < <(find "$app" -type f \( -name '*.node' -o -name '*.so.*' -o -path "$app/bin/node" \) | sort)
if ! (cd "$stage" && dpkg-shlibdeps -O -xlibbpf1 -l"$app/lib" "${elves[@]}") > "$stage/shlibdeps" 2> "$stage/shlibdeps.err"; then
  cat "$stage/shlibdeps.err" >&2
  die "dpkg-shlibdeps failed"
fi
depends=$(sed -n 's/^shlibs:Depends=//p' "$stage/shlibdeps")
[ -n "$depends" ] || die "dpkg-shlibdeps found no dependencies"
case "$depends" in *libbpf*|*nodejs*) die "Depends still names libbpf or nodejs: $depends" ;; esac

installed_size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
  -e "s/@DEPENDS@/$depends/" packaging/deb/control > "$pkg/DEBIAN/control"
install -m 0644 packaging/deb/conffiles "$pkg/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$pkg/DEBIAN/$s"; done

# Smoke test of the staged tree before packing it: both programs start from their install layout.
"$app/bin/node" "$app/bin/prec.js" --version >/dev/null || die "staged prec --version failed"
"$app/bin/node" "$app/bin/precd.js" --version >/dev/null || die "staged precd --version failed"
"$app/bin/node" "$app/bin/prec-ship.js" --config "$pkg/etc/prec/ship.conf" --check-config >/dev/null ||
  die "staged prec-ship --check-config failed"
# Every native binding still loads after the pruning and stripping above.
for nb in $(find "$app" -name '*.node' -type f); do
  "$app/bin/node" -e 'require(process.argv[1])' "$nb" || die "staged $nb does not load"
done

dpkg-deb --root-owner-group -Zxz --build "$pkg" "$outdir/$name.deb" >/dev/null
# Only prec's own paths: no entries for /, /etc, /usr..., whose modes tar would otherwise reset.
tar -C "$pkg" --owner=0 --group=0 --numeric-owner -czf "$outdir/$name.tar.gz" \
  etc/prec etc/logrotate.d/prec lib/systemd/system/precd.service lib/systemd/system/prec-ship.service \
  usr/bin/prec usr/sbin/precd usr/bin/prec-ship \
  usr/lib/prec usr/share/doc/prec usr/share/lintian/overrides/prec var/log/prec \
  usr/share/bash-completion/completions/prec usr/share/zsh/vendor-completions/_prec "${man_paths[@]}"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git archive --format=tar.gz --prefix="prec-$version/" -o "$outdir/prec-$version.src.tar.gz" HEAD
fi
printf 'build-deb: %s\n' "$outdir/$name.deb" "$outdir/$name.tar.gz" >&2
