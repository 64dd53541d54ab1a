// Issue 20 item 1: every file precd opens is opened without following a link and checked on the
// descriptor. Real files, links, fifos and another user's files in temp dirs (the tests run as root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync, chownSync, closeSync, constants, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDirectory, openNoFollow, UnsafeFileError } from '../../src/daemon/safe-open.js';
import { openLog, LogDirError } from '../../src/daemon/output/open.js';
import { acquireLock, LockError } from '../../src/daemon/lock.js';
import { probeSpace } from '../../src/daemon/output/retry.js';

const NOBODY = 65534;
const APPEND = { flags: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, mode: 0o640, what: 'log' };

function withDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'safe-open-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refuses(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UnsafeFileError || e instanceof LogDirError || e instanceof LockError, String(e));
    assert.equal((e as Error).message, message);
    return true;
  });
}

test('a new file is created with the mode asked whatever the umask, close-on-exec', () => {
  withDir((dir) => {
    const path = join(dir, 'prec.log');
    const old = process.umask(0o077);
    let fd: number;
    try {
      fd = openNoFollow(path, APPEND);
    } finally {
      process.umask(old);
    }
    const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!;
    closeSync(fd);
    assert.equal(statSync(path).mode & 0o7777, 0o640);
    assert.ok((parseInt(flags, 8) & 0o2000000) !== 0, `O_CLOEXEC in ${flags}`);
  });
});

test('an existing root file with a loose mode is set to the mode asked on the descriptor', () => {
  withDir((dir) => {
    const path = join(dir, 'key');
    writeFileSync(path, 'x', { mode: 0o666 });
    chmodSync(path, 0o666);
    closeSync(openNoFollow(path, { flags: constants.O_RDWR, mode: 0o600, what: 'seal key' }));
    assert.equal(statSync(path).mode & 0o7777, 0o600);
  });
});

test('a symbolic link is refused and its target left alone', () => {
  withDir((dir) => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious\n');
    const path = join(dir, 'prec.log');
    symlinkSync(target, path);
    refuses(() => openNoFollow(path, APPEND), `log ${path} is a symbolic link; refusing it`);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
  });
});

test('a dangling symbolic link is refused and nothing is created at its target', () => {
  withDir((dir) => {
    const target = join(dir, 'nowhere');
    const path = join(dir, 'prec.log');
    symlinkSync(target, path);
    refuses(() => openNoFollow(path, APPEND), `log ${path} is a symbolic link; refusing it`);
    assert.throws(() => statSync(target), /ENOENT/);
  });
});

test('a fifo is refused without blocking, with or without a reader', () => {
  withDir((dir) => {
    const path = join(dir, 'prec.log');
    execFileSync('mkfifo', [path]);
    refuses(() => openNoFollow(path, APPEND), `log ${path} is a fifo or a device, not a regular file; refusing it`);
    refuses(() => openNoFollow(path, { ...APPEND, flags: constants.O_RDWR }), `log ${path} is a fifo, not a regular file; refusing it`);
  });
});

test('a directory and a character device are refused', () => {
  withDir((dir) => {
    const path = join(dir, 'prec.log');
    mkdirSync(path);
    refuses(() => openNoFollow(path, APPEND), `log ${path} is a directory; refusing it`);
    refuses(() => openNoFollow('/dev/null', { ...APPEND, flags: constants.O_RDWR }), 'log /dev/null is a character device, not a regular file; refusing it');
  });
});

test("another user's 0666 file is refused and not written", () => {
  withDir((dir) => {
    const path = join(dir, 'prec.log');
    writeFileSync(path, '');
    chmodSync(path, 0o666);
    chownSync(path, NOBODY, NOBODY);
    refuses(() => openNoFollow(path, APPEND), `log ${path} is owned by uid ${NOBODY}, not by root; refusing it`);
    assert.equal(statSync(path).size, 0);
    assert.equal(statSync(path).mode & 0o777, 0o666);
  });
});

test('a hard link to another file is refused', () => {
  withDir((dir) => {
    const other = join(dir, 'other');
    writeFileSync(other, 'x');
    const path = join(dir, 'prec.log');
    linkSync(other, path);
    refuses(() => openNoFollow(path, APPEND), `log ${path} is a file with 2 hard links; refusing it`);
  });
});

test('a world-writable log directory is refused unless sticky and owned by root', () => {
  withDir((dir) => {
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const msg = `log directory ${open} is writable by others and not sticky and owned by root; refusing it`;
    refuses(() => checkDirectory(open, 'log'), msg);
    refuses(() => openLog(join(open, 'prec.log'), 'zstd'), msg);
    assert.throws(() => statSync(join(open, 'prec.log')), /ENOENT/, 'nothing created there');
    chmodSync(open, 0o1777);
    closeSync(openLog(join(open, 'prec.log'), 'zstd'));
    chownSync(open, NOBODY, NOBODY);
    refuses(() => openLog(join(open, 'prec2.log'), 'zstd'), msg);
  });
});

test('openLog: a symlinked log and a link put in place of the lock or the probe file are refused', () => {
  withDir((dir) => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious\n');
    const log = join(dir, 'prec.log');
    symlinkSync(target, log);
    refuses(() => openLog(log, 'gz'), `log ${log} is a symbolic link; refusing it`);
    const lock = join(dir, 'precd.lock');
    symlinkSync(target, lock);
    refuses(() => acquireLock(lock), `lock ${lock} is a symbolic link; refusing it`);
    // The probe: a stale link with the probe's name is removed, never written through.
    const real = join(dir, 'real.log');
    symlinkSync(target, join(dir, '.real.log.precd-probe'));
    probeSpace(real);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
  });
});

test('directories created for the log are 0750 whatever the umask', () => {
  withDir((dir) => {
    const old = process.umask(0);
    try {
      closeSync(openLog(join(dir, 'a', 'b', 'prec.log'), 'no'));
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(join(dir, 'a')).mode & 0o7777, 0o750);
    assert.equal(statSync(join(dir, 'a', 'b')).mode & 0o7777, 0o750);
  });
});
