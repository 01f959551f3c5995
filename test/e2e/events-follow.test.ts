// End-to-end tests of `vol events --follow` across processes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { childEnv, vol, volAsync, VOL_BIN } from '../helpers/vol.ts';
import { assertOk, create } from './support.ts';
import { root } from './events-support.ts';

/** A running `vol events --follow ...`, its stdout so far, and when each line arrived. */
interface Follower {
  child: ChildProcess;
  lines: { text: string; at: number }[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function follow(rootDir: string, ...args: string[]): Follower {
  const child = spawn(VOL_BIN, ['--root', rootDir, 'events', '--follow', ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const f: Follower = {
    child,
    lines: [],
    stderr: () => err,
    exited: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))),
  };
  let buf = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      f.lines.push({ text: buf.slice(0, nl), at: Date.now() });
      buf = buf.slice(nl + 1);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return f;
}

/** Gives a follower ~300 ms to start, and (when the root has a database) until it has it open. */
async function followerStarted(f: Follower, rootDir: string): Promise<void> {
  await sleep(300);
  const db = join(rootDir, 'vol.db');
  if (!existsSync(db)) return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && f.child.exitCode === null) {
    try {
      if (readdirSync(`/proc/${f.child.pid}/fd`).some((fd) => readlinkSync(`/proc/${f.child.pid}/fd/${fd}`) === db)) return;
    } catch {
      // The process went away meanwhile.
    }
    await sleep(20);
  }
}

/** CPU time (user + system, clock ticks) the process has used. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function waitForLine(f: Follower, text: string, deadline: number): Promise<{ text: string; at: number } | undefined> {
  for (;;) {
    const hit = f.lines.find((l) => l.text === text);
    if (hit || Date.now() > deadline || f.child.exitCode !== null) return hit;
    await sleep(10);
  }
}

/** The follow scenario: a create in another process shows up within 1 s; idle costs no CPU; SIGINT ends it with 0. */
async function assertFollowSeesCreate(rootDir: string): Promise<void> {
  const f = follow(rootDir, '--format', '{{.Type}} {{.Volume}}');
  try {
    await followerStarted(f, rootDir);
    assert.equal(f.child.exitCode, null, `the follower exited by itself (code ${f.child.exitCode}, stderr ${JSON.stringify(f.stderr())})`);
    const r = await volAsync(rootDir, ['create', 'x']);
    const createdAt = Date.now();
    assert.equal(r.code, 0, r.stderr);
    const hit = await waitForLine(f, 'create x', createdAt + 1000);
    assert.ok(hit, `"create x" did not arrive within 1 s of the create (lines: ${JSON.stringify(f.lines.map((l) => l.text))}, exit ${f.child.exitCode}, stderr ${JSON.stringify(f.stderr())})`);
    assert.ok(hit.at - createdAt <= 1000, `"create x" arrived ${hit.at - createdAt} ms after the create`);
    // Waiting costs (almost) no CPU: no busy loop.
    const ticks = cpuTicks(f.child.pid!);
    await sleep(1500);
    const used = cpuTicks(f.child.pid!) - ticks;
    assert.ok(used <= 15, `the idle follower used ${used} clock ticks of CPU in 1.5 s`);
    f.child.kill('SIGINT');
    const end = await f.exited;
    assert.deepEqual(end, { code: 0, signal: null }, `stderr: ${f.stderr()}`);
    assert.equal(f.stderr(), '');
    // Only what happened after it started.
    assert.deepEqual(f.lines.map((l) => l.text), ['create x']);
  } finally {
    f.child.kill('SIGKILL');
  }
}

describe('events: --follow', () => {
  test('prints a create made by another process within 1 s, uses no CPU while waiting, and exits 0 on SIGINT', async () => {
    create(root(), 'before');
    await assertFollowSeesCreate(root());
  });

  test('on a root with no database yet, it still follows: the first create shows up, SIGINT exits 0', async () => {
    await assertFollowSeesCreate(root());
  });

  test('--since prints the stored events first, then new ones, filtered', async () => {
    create(root(), 'a');
    assertOk(vol(root(), ['rm', 'a']));
    const f = follow(root(), '--since', '1h', '-f', 'type=remove', '--format', '{{.Type}} {{.Volume}}');
    try {
      await followerStarted(f, root());
      assert.ok(await waitForLine(f, 'remove a', Date.now() + 2000), `history: ${JSON.stringify(f.lines)}`);
      assert.equal((await volAsync(root(), ['create', 'b'])).code, 0);
      assert.equal((await volAsync(root(), ['rm', 'b'])).code, 0);
      assert.ok(await waitForLine(f, 'remove b', Date.now() + 1000), `lines: ${JSON.stringify(f.lines)}`);
      f.child.kill('SIGINT');
      assert.deepEqual(await f.exited, { code: 0, signal: null });
      assert.deepEqual(f.lines.map((l) => l.text), ['remove a', 'remove b']);
    } finally {
      f.child.kill('SIGKILL');
    }
  });
});

