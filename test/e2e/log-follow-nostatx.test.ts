// prec -F where statx(2) is missing (older kernels, seccomp sandboxes that block it): libuv then
// reports a file's ctime as its birth time, which changes with every write. A file's identity
// (rotation.ts, fileId) must not change with it, or every write looks like a rotation and the
// follower reads the file again from its start.
// The time limits below only guard against a hang; nothing is asserted about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordLines, tempDir, text } from '../unit/log-fixtures.js';

// Runs a command with statx failing with ENOSYS, as where the kernel lacks it.
const NO_STATX_C = `
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char** argv) {
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_statx, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) { perror("seccomp"); return 127; }
  execvp(argv[1], argv + 1);
  perror("exec");
  return 127;
}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('prec -F without statx prints each appended command once', async (t) => {
  const dir = tempDir();
  const wrapper = join(dir, 'nostatx');
  writeFileSync(`${wrapper}.c`, NO_STATX_C);
  const cc = spawnSync('cc', ['-o', wrapper, `${wrapper}.c`], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return t.skip(`no C compiler: ${cc.error?.message ?? cc.stderr}`);
  const log = join(dir, 'prec.log');
  writeFileSync(log, text(recordLines(2, 1)));
  const bin = join(import.meta.dirname, '../../../bin/prec.js');
  const child = spawn(wrapper, [process.execPath, bin, '-F', '-n', '1', '-A', '-i', log, '-f', 'event_id', '-o', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const rows = (): string[] => out.split('\n').filter((l) => l !== '');
  try {
    // The history row first (-n 1): following has begun once it is out.
    const expected = [JSON.stringify({ event_id: '20261122150000-1' })];
    for (const until = Date.now() + 30_000; rows().length < 1 && Date.now() < until; ) await sleep(50);
    // Each batch is a start and its end: one row each, after the follower has seen the last.
    for (let i = 0; i < 4; i++) {
      const batch = recordLines(2, 100 + 2 * i);
      appendFileSync(log, text(batch));
      expected.push(JSON.stringify({ event_id: (JSON.parse(batch[0]!) as { event_id: string }).event_id }));
      for (const until = Date.now() + 30_000; rows().length < expected.length && Date.now() < until; ) await sleep(50);
    }
    // Several polls more: anything read twice would show now.
    await sleep(1500);
    assert.deepEqual(rows(), expected, err);
  } finally {
    child.kill('SIGINT');
  }
});
