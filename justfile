# Recipes for building, testing and releasing prec. `just` itself comes from the npm registry
# (rust-just), so `npm test` / `npm run setup` is all a fresh machine needs first.

set shell := ["bash", "-euo", "pipefail", "-c"]

export PATH := justfile_directory() + "/node_modules/.bin:" + env_var('PATH')

bpf_obj := "build/bpf/prec.bpf.o"
addon_obj := "addon/build/Release/prec_addon.node"

default:
    @just --list

# Build everything that changed: TypeScript, BPF object, addon.
build: build-ts build-bpf build-addon

build-ts:
    tsc -p . --incremental --tsBuildInfoFile build/.tsbuildinfo
    node packaging/completion.mjs build/completion
    node packaging/rules-cache.mjs
    node packaging/bundle-cli.mjs

# CO-RE object against the hand-written kernel type header; libbpf relocates it at load time.
build-bpf:
    #!/usr/bin/env bash
    set -euo pipefail
    [ -f bpf/prec.bpf.c ] || exit 0
    if [ -f {{bpf_obj}} ] && [ -z "$(find bpf -newer {{bpf_obj}} -type f)" ]; then exit 0; fi
    mkdir -p build/bpf
    arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
    # linux/types.h and linux/bpf.h need the multiarch asm/ headers, which -target bpf does not search.
    multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
    clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_${arch} -I bpf -idirafter /usr/include/${multiarch} -c bpf/prec.bpf.c -o {{bpf_obj}}.tmp
    mv {{bpf_obj}}.tmp {{bpf_obj}}

build-addon:
    #!/usr/bin/env bash
    set -euo pipefail
    [ -f addon/binding.gyp ] || exit 0
    if [ -f {{addon_obj}} ] && [ -z "$(find addon -newer {{addon_obj}} -type f -not -path 'addon/build/*')" ]; then exit 0; fi
    # Use the headers that ship with this node when present: node-gyp would otherwise download them.
    nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
    if [ -f "$nodedir/include/node/node_api.h" ]; then
      node-gyp rebuild -C addon --loglevel=warn --nodedir="$nodedir"
    else
      node-gyp rebuild -C addon --loglevel=warn
    fi

# Every test: unit tests in parallel, then end-to-end tests (real precd, real eBPF) one at a time.
test: build
    node test/run.mjs

unit: build
    node test/run.mjs unit

e2e: build
    node test/run.mjs e2e

# Every performance goal of SPEC 10 beside its peers (root; ~15 min; `just bench --quick` for a smoke run).
bench *ARGS: build
    node build/bench/run.js {{ARGS}}

# Run precd in the foreground on the embedded defaults (or -c PATH).
run-daemon *ARGS: build
    ./bin/precd.js {{ARGS}}

# Man pages from docs/man/*.md (pandoc): build/man/prec.1, precd.8, precd.conf.5, ...
man:
    bash packaging/build-man.sh

release: build man
    bash packaging/build-deb.sh

clean:
    rm -rf build addon/build dist

# Issue 19's query kinds beside `zstdcat | grep -c` at 300k and 1M commands (ROUNDS interleaved pairs).
bench-query-kinds ROUNDS="5": build
    node build/bench/query-kinds.js {{ROUNDS}}
