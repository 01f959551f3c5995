import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataDir, lockEntries, lockHeld, lsNames, spawnVol, waitFor } from '../helpers/e2e.ts';
import { makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = makeTemp('vol-e2e-lockowner-');
  try {
    await fn(root);
  } finally {
    removeTemp(root);
  }
}

function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** Makes `<root>/locks/<name>.lock` as earlier vol versions did (a directory with an owner record), its mtime `ageMs` old. */
function plantOwnedLock(root: string, name: string, owner: { pid: number; start: string; boot: string }, ageMs: number): string {
  const lock = join(root, 'locks', `${name}.lock`);
  mkdirSync(lock, { recursive: true });
  writeFileSync(join(lock, 'owner'), JSON.stringify(owner));
  const when = new Date(Date.now() - ageMs);
  utimesSync(lock, when, when);
  return lock;
}

/** Where the lock link `lock` points (its owner), or undefined while there is no lock link. */
function lockOwnerText(lock: string): string | undefined {
  try {
    return readlinkSync(lock, 'utf8');
  } catch {
    return undefined;
  }
}

async function exitedChildPid(): Promise<number> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** Fills `data` with `count` hard links in directories of 1,000 (a new source file every 50,000: ext4 caps links per inode). */
function fillWithManyLinks(data: string, count: number): void {
  for (let d = 0; d * 1000 < count; d++) {
    const src = join(data, `src${Math.floor(d / 50)}`);
    if (d % 50 === 0) writeFileSync(src, 'x');
    mkdirSync(join(data, `d${d}`));
    for (let f = 0; f < 1000 && d * 1000 + f < count; f++) linkSync(src, join(data, `d${d}`, `f${f}`));
  }
}

describe('lock ownership', () => {
  it('a command holds its volume\'s lock in the kernel while it works, making no lock file, and kill -9 frees it at once', () =>
    withRoot(async (root) => {
      const slow = spawnVol(root, ['create', 'held'], { VOL_TEST_DELAY_MS: '3000' });
      await waitFor('the lock', () => lockHeld(root, 'held'));
      assert.equal(lockHeld(root, 'other'), false);
      assert.deepEqual(lockEntries(root), [], 'no <name>.lock is made');
      const r = await slow.done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(lockHeld(root, 'held'), false);

      const victim = spawnVol(root, ['create', 'victim'], { VOL_TEST_DELAY_MS: '60000' });
      await waitFor('the create to make _data', () => existsSync(dataDir(root, 'victim')) && lockHeld(root, 'victim'));
      victim.child.kill('SIGKILL');
      await victim.done;
      assert.equal(lockHeld(root, 'victim'), false, 'the kernel dropped the lock of the killed process');
      const t0 = Date.now();
      const rm = await volAsync(root, ['rm', '-f', 'victim']);
      const elapsed = Date.now() - t0;
      assert.equal(rm.code, 0, rm.stderr);
      assert.equal(rm.stderr, '', 'nothing but errors and warnings at the default log level');
      assert.ok(elapsed < 2000, `rm -f after the kill took ${elapsed} ms`);
      assert.deepEqual(lockEntries(root), []);
      assert.deepEqual(await lsNames(root), ['held']);
      assert.equal(existsSync(join(root, 'volumes', 'victim')), false);
    }));

  it('a dead owner is taken over at once and logged at info level; a live owner never, however old its lock', () =>
    withRoot(async (root) => {
      plantOwnedLock(root, 'dead', { pid: await exitedChildPid(), start: '1', boot: BOOT }, 0);
      const t0 = Date.now();
      const r = await volAsync(root, ['--log-level', 'info', 'create', 'dead']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - t0 < 2000);
      assert.match(r.stderr, /^Info: took over the lock of volume dead/m);
      assert.deepEqual(lockEntries(root), []);

      // A lock of another boot is dead whatever process now has that pid.
      plantOwnedLock(root, 'reboot', { pid: process.pid, start: startTime(process.pid), boot: '00000000-0000-0000-0000-000000000000' }, 0);
      assert.equal((await volAsync(root, ['create', 'reboot'])).code, 0);

      const live = plantOwnedLock(root, 'live', { pid: process.pid, start: startTime(process.pid), boot: BOOT }, 3_600_000);
      const w = await volAsync(root, ['create', 'live'], { env: { VOL_LOCK_WAIT_MS: '700', VOL_LOCK_STALE_MS: '2000' } });
      assert.equal(w.code, 125);
      assert.match(w.stderr, /^Error: timed out after 700ms waiting for the lock of volume live/m);
      assert.ok(existsSync(join(live, 'owner')), 'a live owner\'s lock was touched');
      assert.deepEqual(await lsNames(root), ['dead', 'reboot']);
    }));

  it('lock links: a dead owner\'s is taken over at once and reported by vol check, a live owner\'s never, and a set-aside one is cleared', () =>
    withRoot(async (root) => {
      assert.equal((await volAsync(root, ['create', 'gone'])).code, 0);
      const locks = join(root, 'locks');
      const deadPid = await exitedChildPid();
      symlinkSync(`${deadPid}:1:${BOOT}`, join(locks, 'gone.lock'));
      symlinkSync(`${deadPid}:1:${BOOT}`, join(locks, `aside.lock.broken-${deadPid}-0a1b2c3d`));
      const live = join(locks, 'live.lock');
      symlinkSync(`${process.pid}:${startTime(process.pid)}:${BOOT}`, live);

      const found = await volAsync(root, ['check', '--format', 'json']);
      assert.equal(found.code, 1, found.stderr);
      const kinds = (JSON.parse(found.stdout) as { Kind: string; Volume: string }[]).map((f) => `${f.Kind} ${f.Volume}`).sort();
      assert.deepEqual(kinds, ['lock-dead-owner gone', 'lock-orphan aside']);

      const t0 = Date.now();
      const r = await volAsync(root, ['--log-level', 'info', 'rm', 'gone']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(Date.now() - t0 < 2000);
      assert.match(r.stderr, /^Info: took over the lock of volume gone/m);

      const w = await volAsync(root, ['create', 'live'], { env: { VOL_LOCK_WAIT_MS: '500', VOL_LOCK_STALE_MS: '2000' } });
      assert.equal(w.code, 125);
      assert.match(w.stderr, /^Error: timed out after 500ms waiting for the lock of volume live/m);
      assert.equal(lockOwnerText(live), `${process.pid}:${startTime(process.pid)}:${BOOT}`, 'a live owner\'s lock was touched');

      const repaired = await volAsync(root, ['check', '--repair']);
      assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
      assert.deepEqual(lockEntries(root), ['live.lock']);
      assert.deepEqual(await lsNames(root), []);
    }));

  it('a 1,000,000-file rm with a 2 s stale time keeps its lock; a racing create of the name waits for it, nothing lost', { timeout: 120_000 }, () =>
    withRoot(async (root) => {
      const env = { VOL_LOCK_STALE_MS: '2000' };
      assert.equal((await volAsync(root, ['create', 'big'])).code, 0);
      const data = dataDir(root, 'big');
      // Removal through descriptors is fast: a million entries keep rm busy for several stale times.
      fillWithManyLinks(data, 1_000_000);
      const entries = readdirSync(data).length;
      const t0 = Date.now();
      const rm = spawnVol(root, ['rm', 'big'], env);
      await waitFor('rm to start deleting', () => !existsSync(data) || readdirSync(data).length < entries, 60_000);
      const create = volAsync(root, ['create', 'big'], { env }).then((r) => ({ ...r, at: Date.now() }));
      const removed = await rm.done;
      const rmAt = Date.now();
      const created = await create;
      assert.equal(removed.code, 0, `rm failed: ${removed.stderr}`);
      assert.equal(removed.stdout, 'big\n');
      assert.equal(removed.stderr, '');
      assert.ok(rmAt - t0 > 2 * 2000, `the removal took only ${rmAt - t0} ms, not several stale times`);
      assert.equal(created.code, 0, `create failed: ${created.stderr}`);
      assert.equal(created.stdout, 'big\n');
      assert.equal(created.stderr, '');
      assert.ok(created.at >= rmAt - 50, 'create finished before the rm that held the lock');
      assert.deepEqual(await lsNames(root), ['big']);
      assert.deepEqual(readdirSync(dataDir(root, 'big')), []);
      assert.deepEqual(lockEntries(root), []);
    }));
});
