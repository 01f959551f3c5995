import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { lockEntries } from '../helpers/e2e.ts';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN, type VolRun } from '../helpers/vol.ts';

/** The inspect object as the contract fixes it. */
export interface Inspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: string;
  Options: Record<string, string>;
  UID?: number;
  GID?: number;
  MountCount: number;
}

/** Registers a fresh temp root per test (removed after it); call the getter inside tests. */
export function tempRootPerTest(): () => string {
  let root = '';
  beforeEach(() => {
    root = makeTemp('vol-e2e-');
  });
  afterEach(() => removeTemp(root));
  return () => root;
}

/** Asserts a successful run with empty stderr and, when given, exactly this stdout. */
export function assertOk(r: VolRun, stdout?: string): void {
  assert.equal(r.stderr, '', `unexpected stderr: ${r.stderr}`);
  assert.equal(r.code, 0, `exit ${r.code}, stdout: ${r.stdout}`);
  if (stdout !== undefined) assert.equal(r.stdout, stdout);
}

/** Options of assertFails. */
export interface FailOptions {
  /** Expected stdout; default empty. Undefined with `anyStdout`. */
  stdout?: string;
  anyStdout?: boolean;
}

/**
 * Asserts exit `code`, exactly one `Error: ` line on stderr containing every phrase (strings
 * are substrings, regexes are matched), and stdout empty unless told otherwise.
 */
export function assertFails(r: VolRun, code: number, phrases: ReadonlyArray<string | RegExp>, opts: FailOptions = {}): void {
  assert.match(r.stderr, /^Error: [^\n]*\n$/, `stderr must be exactly one "Error: " line, got: ${JSON.stringify(r.stderr)}`);
  for (const p of phrases) {
    if (typeof p === 'string') assert.ok(r.stderr.includes(p), `stderr ${JSON.stringify(r.stderr)} lacks ${JSON.stringify(p)}`);
    else assert.match(r.stderr, p);
  }
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr.trim()})`);
  if (!opts.anyStdout) assert.equal(r.stdout, opts.stdout ?? '');
}

/** Creates a volume and asserts vol printed exactly its name. */
export function create(root: string, name: string, ...flags: string[]): void {
  assertOk(vol(root, ['create', ...flags, name]), `${name}\n`);
}

/** Inspects volumes and returns the parsed array (asserting success). */
export function inspect(root: string, ...names: string[]): Inspect[] {
  const r = vol(root, ['inspect', ...names]);
  assertOk(r);
  return JSON.parse(r.stdout) as Inspect[];
}

/** Inspects one volume. */
export function inspectOne(root: string, name: string): Inspect {
  const [v] = inspect(root, name);
  assert.ok(v);
  return v;
}

/** The names `vol ls -q` prints, in order. */
export function lsNames(root: string, ...flags: string[]): string[] {
  const r = vol(root, ['ls', '-q', ...flags]);
  assertOk(r);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** `<root>/volumes/<name>`: the directory that holds `_data`. */
export function volumeDir(root: string, name: string): string {
  return join(root, 'volumes', name);
}

/** Entries of a directory, sorted; a missing directory has none. */
export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Asserts that no `<name>.lock` is left under `<root>/locks` (vol makes none: its kernel locks go with their process). */
export function assertNoLocks(root: string): void {
  assert.deepEqual(lockEntries(root), [], 'locks left behind');
}

/** Runs bin/vol without the helper's `--root` and with VOL_ROOT/VOL_CONFIG as given in `env`. */
export function volBare(args: readonly string[], env: Record<string, string | undefined>): VolRun {
  const r = spawnSync(VOL_BIN, args, { encoding: 'utf8', env: childEnv(env), input: '' });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Matches 64 lowercase hex characters and a newline: a random volume name as printed. */
export const RANDOM_NAME_LINE = /^[0-9a-f]{64}\n$/;
