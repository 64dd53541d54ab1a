// The npm registry reachable here serves only the linux-x64 build of rust-just, so `npm install`
// writes a lock without the other platforms' optional packages and `npm ci` then refuses the lock.
// chdb's platform libraries are the same case. This adds the missing optional entries, marked with their os/cpu so that npm ci skips them on
// every other platform, exactly as a lock written with a full registry would. Run after `npm install`.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  'darwin-arm64': ['darwin', 'arm64'], 'darwin-x64': ['darwin', 'x64'], 'linux-arm': ['linux', 'arm'],
  'linux-arm64': ['linux', 'arm64'], 'linux-armv7': ['linux', 'arm'], 'linux-loong64': ['linux', 'loong64'],
  'linux-riscv64': ['linux', 'riscv64'], 'linux-x64': ['linux', 'x64'], 'windows-arm64': ['win32', 'arm64'],
  'windows-x64': ['win32', 'x64'],
};
const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const just = lock.packages['node_modules/rust-just'];
for (const [name, version] of Object.entries(just.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = PLATFORMS[name.replace('rust-just-', '')] ?? [];
  if (!os) throw new Error(`unknown rust-just platform package ${name}`);
  lock.packages[key] = { version, dev: true, optional: true, os: [os], cpu: [cpu] };
}
// chdb (a test dependency) likewise: the registry here serves its linux-x64 library only.
const CHDB_PLATFORMS = { 'darwin-arm64': ['darwin', 'arm64'], 'darwin-x64': ['darwin', 'x64'], 'linux-arm64-gnu': ['linux', 'arm64'], 'linux-x64-gnu': ['linux', 'x64'] };
const chdb = lock.packages['node_modules/chdb'];
for (const [name, version] of Object.entries(chdb?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = CHDB_PLATFORMS[name.replace('@chdb/lib-', '')] ?? [];
  if (!os) throw new Error(`unknown chdb platform package ${name}`);
  lock.packages[key] = { version, dev: true, optional: true, os: [os], cpu: [cpu] };
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
