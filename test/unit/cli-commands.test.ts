// The command layout (src/cli/commands.ts): every file in commands/ is a registered command, oclif
// finds them through package.json, and argv reaches bare `prec` unless it names a subcommand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import COMMANDS, { commandArgv, ROOT_COMMAND_ID } from '../../src/cli/commands.js';
import Prec from '../../src/cli/commands/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMMANDS_DIR = new URL('../../src/cli/commands/', import.meta.url);

test('every module in commands/ is registered under its file name, index as bare prec', async () => {
  const files = readdirSync(COMMANDS_DIR).filter((f) => f.endsWith('.js')).sort();
  assert.ok(files.includes('index.js'));
  const expected: Record<string, unknown> = {};
  for (const f of files) {
    const mod = (await import(new URL(f, COMMANDS_DIR).href)) as { default: unknown };
    expected[f === 'index.js' ? ROOT_COMMAND_ID : f.slice(0, -'.js'.length)] = mod.default;
  }
  assert.deepEqual({ ...COMMANDS }, expected);
  assert.equal(COMMANDS[ROOT_COMMAND_ID], Prec);
});

test('oclif loads the commands named in package.json', async () => {
  const config = await Config.load(ROOT);
  assert.equal(config.isSingleCommandCLI, false);
  assert.deepEqual([...config.commandIDs].sort(), Object.keys(COMMANDS).sort());
  assert.equal(await config.findCommand(ROOT_COMMAND_ID)?.load(), Prec);
});

test('argv goes to bare prec unless its first word names a subcommand', () => {
  const withHunt = { ...COMMANDS, hunt: class {} };
  assert.deepEqual(commandArgv([]), [ROOT_COMMAND_ID]);
  assert.deepEqual(commandArgv(['-q', 'x']), [ROOT_COMMAND_ID, '-q', 'x']);
  assert.deepEqual(commandArgv(['--version']), [ROOT_COMMAND_ID, '--version']);
  assert.deepEqual(commandArgv(['--help']), [ROOT_COMMAND_ID, '--help']);
  // Not a command: bare prec rejects it as an unexpected argument, as it always did.
  assert.deepEqual(commandArgv(['nosuch', '-q', 'x']), [ROOT_COMMAND_ID, 'nosuch', '-q', 'x']);
  assert.deepEqual(commandArgv(['hunt', '-q', 'x']), ['hunt', '-q', 'x']);
  assert.deepEqual(commandArgv(['hunt', '-q', 'x'], withHunt), ['hunt', '-q', 'x']);
  assert.deepEqual(commandArgv(['-q', 'hunt'], withHunt), [ROOT_COMMAND_ID, '-q', 'hunt']);
  assert.deepEqual(commandArgv([ROOT_COMMAND_ID], withHunt), [ROOT_COMMAND_ID, ROOT_COMMAND_ID]);
});

test('bare prec keeps its own --help and --version, and rejects a stray word', () => {
  const prec = (...args: string[]) =>
    spawnSync(process.execPath, [`${ROOT}bin/prec.js`, ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  const help = prec('--help');
  assert.equal(help.status, 0);
  // The usage line names no command: bare prec is the root command, not one called `index`.
  assert.match(help.stdout, /^ {2}\$ prec {2}\[-i <value>\] \[-a\] \[-A\] \[-q <value>\.\.\.\]/m);
  assert.doesNotMatch(help.stdout, /SINGLE_COMMAND_CLI|^COMMANDS$/m);
  const version = prec('--version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^prec \d+\.\d+\.\d+ \(built /);
  const stray = prec('foo');
  assert.equal(stray.status, 1);
  assert.equal(stray.stderr, 'prec: Unexpected argument: foo (see prec --help)\n');
});

test('the bundle bin/prec.js runs (just build) has the same commands and flags as the compiled modules', async () => {
  const bundled = (await import(new URL('../../src/bundle/main.js', import.meta.url).href)) as { COMMANDS: typeof COMMANDS };
  assert.deepEqual(Object.keys(bundled.COMMANDS).sort(), Object.keys(COMMANDS).sort());
  for (const [id, cmd] of Object.entries(COMMANDS)) {
    assert.deepEqual(Object.keys(bundled.COMMANDS[id]!.flags).sort(), Object.keys(cmd.flags).sort(), id);
  }
});
