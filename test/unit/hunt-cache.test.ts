// The shipped rules' build-time cache (src/hunt/cache.ts): read back it gives exactly what compiling
// the rule files gives; a changed rule file, a file the cache does not know, or a cache writable by
// others makes it ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULES_DIR, loadRules } from '../../src/hunt/index.js';
import { readRulesCache, rulesFingerprint, SHIPPED_CACHE, writeRulesCache } from '../../src/hunt/cache.js';

function ymlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.yml')).sort().map((f) => join(dir, f));
}

function fingerprint(dir: string): string {
  const files = ymlFiles(dir);
  return rulesFingerprint(dir, files, files.map((f) => readFileSync(f, 'utf8')));
}

test('hunt cache: read back, the same rules as compiling the files; stale or untrusted, ignored', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'prec-hunt-cache-'));
  try {
    const dir = join(tmp, 'rules');
    cpSync(join(DEFAULT_RULES_DIR, 'prec'), dir, { recursive: true });
    const compiled = loadRules([dir]);
    const cache = join(tmp, 'cache.json');
    writeRulesCache(cache, dir, compiled, fingerprint(dir));
    assert.deepEqual(readRulesCache(cache, dir, fingerprint(dir)), compiled);

    chmodSync(cache, 0o666);
    assert.equal(readRulesCache(cache, dir, fingerprint(dir)), undefined, 'writable by others: ignored');
    chmodSync(cache, 0o644);

    const first = ymlFiles(dir)[0]!;
    writeFileSync(first, readFileSync(first, 'utf8').replace('level: ', 'level:  '));
    assert.equal(readRulesCache(cache, dir, fingerprint(dir)), undefined, 'a rule file changed: stale');
    writeFileSync(join(dir, 'zz_new.yml'), readFileSync(first, 'utf8'));
    assert.equal(readRulesCache(cache, dir, fingerprint(dir)), undefined, 'a rule file added: stale');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('hunt cache: `just build` wrote a current cache of the shipped rules, which loads as the YAML files do', () => {
  const cached = readRulesCache(SHIPPED_CACHE, DEFAULT_RULES_DIR, fingerprint(DEFAULT_RULES_DIR));
  assert.ok(cached, `${SHIPPED_CACHE} is current (packaging/rules-cache.mjs)`);
  assert.deepEqual(cached, loadRules([DEFAULT_RULES_DIR]));
  assert.deepEqual(loadRules(), cached);
});

test('hunt cache: found and trusted from prec\'s bundle too (build/src/bundle/, where bin/prec.js runs it)', async () => {
  // The same module placed where the bundle's chunks live must name the same cache file and compute
  // the same fingerprint; with paths relative to its own directory it looked in the bundle's.
  const here = new URL('../../src/hunt/cache.js', import.meta.url);
  const probe = new URL(`../../src/bundle/cache-probe-${process.pid}.mjs`, import.meta.url);
  mkdirSync(new URL('.', probe), { recursive: true });
  copyFileSync(here, probe);
  try {
    const moved = (await import(probe.href)) as typeof import('../../src/hunt/cache.js');
    assert.equal(moved.SHIPPED_CACHE, SHIPPED_CACHE);
    const files = ymlFiles(DEFAULT_RULES_DIR);
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    assert.equal(moved.rulesFingerprint(DEFAULT_RULES_DIR, files, texts), rulesFingerprint(DEFAULT_RULES_DIR, files, texts));
    assert.ok(moved.readRulesCache(moved.SHIPPED_CACHE, DEFAULT_RULES_DIR, fingerprint(DEFAULT_RULES_DIR)));
  } finally {
    rmSync(probe, { force: true });
  }
});
