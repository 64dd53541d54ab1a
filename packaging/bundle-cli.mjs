// Bundles prec (build/src/cli/main.js, oclif and every module a command imports on use) into
// build/src/bundle/, which bin/prec.js runs (`just build` runs this after tsc). Every `prec` pays its
// start-up, and most of it was node finding, reading and compiling some 300 files one at a time:
// oclif's ~200 CommonJS files and prec's own ~100 modules (docs/benchmarks.md, "prec start-up").
//
// What a command imports on use (`await import('../run.js')`, a formatter, the query parser) is a
// chunk of its own, loaded only then. The output sits at the depth of build/src/<dir>/ so that the
// paths the code takes relative to itself still hold: ../../build-info.json, ../../../rules/, and the
// read worker (./read-worker.js, the second entry point). Native addons (re2, zstd-napi) and
// chevrotain's single-file build are loaded by the code itself at run time, as before.
// Usage: node packaging/bundle-cli.mjs
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = resolve(root, 'build/src/bundle');

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [resolve(root, 'build/src/cli/main.js'), resolve(root, 'build/src/log/read-worker.js')],
  outdir,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  // typescript: oclif requires it only to run a project's .ts sources, which main.ts switches off.
  // chevrotain: src/query/chevrotain.ts imports its single-file build by path, the package entry
  // (600 lodash-es modules) being only a fallback.
  // Native addons (zstd-napi, re2) stay node's to load: their .node files cannot be bundled, whether a
  // module imports them or requires them.
  external: ['typescript', 'chevrotain', 'zstd-napi', 'zstd-napi/*', 're2'],
  // oclif checks the running node against its own engines field on load, through semver (~10 % of
  // prec --version); prec's package and node's own checks already pin node.
  define: { 'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"' },
  // oclif is CommonJS: its require() of node's own modules and its __dirname need the CommonJS names.
  banner: {
    js: [
      "import { createRequire as __prec_createRequire } from 'node:module';",
      "import { fileURLToPath as __prec_fileURLToPath } from 'node:url';",
      "import { dirname as __prec_dirname } from 'node:path';",
      'const require = __prec_createRequire(import.meta.url);',
      'const __filename = __prec_fileURLToPath(import.meta.url);',
      'const __dirname = __prec_dirname(__filename);',
    ].join('\n'),
  },
});
