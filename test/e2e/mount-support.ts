import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach } from 'node:test';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

/** Mount points listed in /proc/self/mountinfo (field 5, octal escapes decoded), one per mount. */
export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** How many mounts sit exactly at `path`. */
export function mountsAt(path: string): number {
  return mountPoints().filter((p) => p === path).length;
}

/** Detaches everything mounted at or below `dir`, deepest (and most recent) first. */
export function umountUnder(dir: string): void {
  const under = mountPoints()
    .filter((p) => p === dir || p.startsWith(dir + '/'))
    .reverse();
  for (const p of under) {
    if (spawnSync('umount', [p]).status !== 0) spawnSync('umount', ['-l', p]);
  }
}

/** A fresh root per test plus extra temp dirs; after each test every mount below them is detached, then they are removed. */
export function mountedRootPerTest(): { root: () => string; temp: (prefix: string) => string } {
  let root = '';
  let temps: string[] = [];
  beforeEach(() => {
    root = makeTemp('vol-e2e-');
    temps = [];
  });
  afterEach(() => {
    for (const child of sleepers) child.kill('SIGKILL');
    sleepers.clear();
    for (const d of [root, ...temps]) {
      umountUnder(d);
      removeTemp(d);
    }
  });
  return {
    root: () => root,
    temp: (prefix) => {
      const d = makeTemp(prefix);
      temps.push(d);
      return d;
    },
  };
}

/** A process id that no longer runs: a `true` child that has exited and been reaped. */
export async function deadPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(child.pid);
  return child.pid;
}

const sleepers = new Set<ChildProcess>();

/** Starts `sleep 30` (killed after the test at the latest); `stop()` kills it and resolves once it has exited and been reaped. */
export function sleeper(): { pid: number; stop: () => Promise<void> } {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  assert.ok(child.pid);
  sleepers.add(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: child.pid,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
      sleepers.delete(child);
    },
  };
}
