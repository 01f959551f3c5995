import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockByte, RANGE_FILE } from '../../src/lock/file-locker.ts';
import { childEnv, VOL_BIN, volAsync, type VolRun } from './vol.ts';

/** A vol process started in the background, for tests that signal it mid-run. */
export interface KillableVol {
  child: ChildProcess;
  done: Promise<VolRun>;
}

/** Starts `vol --root ROOT ARGS...` with the same environment rules as `volAsync`, keeping the child. */
export function spawnVol(root: string, args: readonly string[], env: Record<string, string> = {}): KillableVol {
  const child = spawn(VOL_BIN, ['--root', root, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<VolRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Names printed by `vol ls -q`, sorted; fails the test if ls itself fails. */
export async function lsNames(root: string, env: Record<string, string> = {}): Promise<string[]> {
  const r = await volAsync(root, ['ls', '-q'], { env });
  assert.equal(r.code, 0, `ls -q failed: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').filter((l) => l !== '').sort();
}

/** Entries of `<root>/locks` that are locks (`*.lock`); none when the directory does not exist. */
export function lockEntries(root: string): string[] {
  const dir = join(root, 'locks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((e) => e.endsWith('.lock'));
}

/**
 * True while a process holds the lock of volume `name`: /proc/locks shows a lock on its byte of
 * `<root>/locks/volumes.ranges` (an open-file-description lock, which lists no pid).
 */
export function lockHeld(root: string, name: string): boolean {
  const st = statSync(join(root, 'locks', RANGE_FILE), { throwIfNoEntry: false });
  if (!st) return false;
  const major = (st.dev >> 8) & 0xfff;
  const minor = (st.dev & 0xff) | ((st.dev >> 12) & 0xfff00);
  const file = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
  const byte = String(lockByte(name));
  // Lines read `N: OFDLCK ADVISORY WRITE -1 MAJ:MIN:INODE START END`.
  return readFileSync('/proc/locks', 'utf8').split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    return f[1] === 'OFDLCK' && f[5] === file && f[6] === byte;
  });
}

/** Entries of `<root>/volumes`; none when the directory does not exist. */
export function volumeDirEntries(root: string): string[] {
  const dir = join(root, 'volumes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort();
}

/** `<root>/volumes/<name>/_data`. */
export function dataDir(root: string, name: string): string {
  return join(root, 'volumes', name, '_data');
}

/** Asserts that the root holds no volume: nothing listed, inspected, on disk, or locked. */
export async function assertRootEmpty(root: string, env: Record<string, string> = {}): Promise<void> {
  assert.deepEqual(await lsNames(root, env), []);
  const inspect = await volAsync(root, ['inspect', '-a'], { env });
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal(inspect.stdout.trim(), '[]');
  assert.deepEqual(volumeDirEntries(root), []);
  assert.deepEqual(lockEntries(root), []);
}

/** Polls `predicate` every few milliseconds until it holds; fails after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** The non-empty lines of `text`, in order. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

/** Runs `fn` on each of `items` with at most `limit` running at once. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Fills `data` with 2,000 hard links in 20 directories, so that deleting them takes a moment a kill can hit (links are cheap to make). */
export function fillWithLinks(data: string): void {
  const first = join(data, 'file');
  writeFileSync(first, 'x');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(data, `d${d}`));
    for (let f = 0; f < 100; f++) linkSync(first, join(data, `d${d}`, `f${f}`));
  }
}
