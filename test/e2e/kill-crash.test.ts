import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { assertRootEmpty, dataDir, fillWithLinks, lines, lockEntries, lockHeld, lsNames, spawnVol, waitFor } from '../helpers/e2e.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { makeTemp, removeTemp, volAsync, type VolRun } from '../helpers/vol.ts';

// A lock left by a killed process is taken over after 2 s (the minimum), which keeps this fast.
const ENV = { VOL_LOCK_STALE_MS: '2000' };
// Longer than any kill delay below, so a kill timed from the moment `_data` appears lands before `ready`.
const DELAY_MS = 400;

const random = seededRandom();
const randomMs = (max: number) => random.upTo(max);
const run = (root: string, args: string[], env: Record<string, string> = {}) => volAsync(root, args, { env: { ...ENV, ...env } });

/** Where the kills landed; printed at the end so a run shows that the crash windows were hit. */
const outcomes = { createDone: 0, createLeftHalfMade: 0, createNotStarted: 0, rmNotStarted: 0, rmLeftHalfDone: 0, rmDone: 0 };

/**
 * Runs `iterations` of `scenario` in each of `lanes` lanes, each lane in its own root. Lanes run
 * side by side because most of an iteration is spent waiting for a killed process's lock to go stale.
 */
async function inLanes(lanes: number, iterations: number, scenario: (root: string, id: string) => Promise<void>): Promise<void> {
  await random.reporting(() => Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const root = makeTemp('vol-e2e-crash-');
      try {
        for (let i = 0; i < iterations; i++) await scenario(root, `${lane}-${i}`);
      } finally {
        removeTemp(root);
      }
    }),
  ));
}

/** Sends SIGKILL `delayMs` after spawn, or `delayMs` after `startWhen` first holds. */
async function killAt(root: string, args: string[], delayMs: number, opts: { env?: Record<string, string>; startWhen?: () => boolean } = {}): Promise<VolRun> {
  const p = spawnVol(root, args, { ...ENV, ...opts.env });
  let exited = false;
  void p.done.then(() => (exited = true));
  // A short window can open and close between two polls; then the process has exited and the kill is late.
  const { startWhen } = opts;
  if (startWhen) await waitFor(`vol ${args.join(' ')} to reach its crash window`, () => exited || startWhen());
  await sleep(delayMs);
  p.child.kill('SIGKILL');
  const r = await p.done;
  // A kill that came too late finds a finished command, which must have succeeded.
  if (r.signal !== 'SIGKILL') assert.equal(r.code, 0, `vol ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** Every name `ls -q` shows has its `_data` directory; returns the names. */
async function assertListedHaveData(root: string): Promise<string[]> {
  const names = await lsNames(root, ENV);
  for (const name of names) assert.ok(statSync(dataDir(root, name)).isDirectory(), `${name} is listed but has no _data`);
  return names;
}

/** `rm -a` settles what killed processes left (`creating` undone, `removing` finished); then the root is empty. */
async function settleAndAssertEmpty(root: string, mustReport: string[] = []): Promise<void> {
  const r = await run(root, ['rm', '-a']);
  assert.equal(r.code, 0, `rm -a: ${r.stderr}`);
  for (const name of mustReport) assert.ok(lines(r.stdout).includes(name), `rm -a did not report ${name}: ${r.stdout}`);
  await assertRootEmpty(root, ENV);
}

/** The killed creator's name stays usable: it is a ready volume already, or creating it now works. */
async function assertNameUsable(root: string, name: string, listed: string[]): Promise<void> {
  if (listed.includes(name)) return;
  const r = await run(root, ['create', name]);
  assert.equal(r.code, 0, `create ${name} after its creator was killed: ${r.stderr}`);
  assert.equal(r.stdout, `${name}\n`);
  assert.ok(statSync(dataDir(root, name)).isDirectory());
  assert.deepEqual(await lsNames(root, ENV), [name]);
}

function tallyCreate(root: string, name: string, listed: string[]): void {
  if (listed.includes(name)) outcomes.createDone++;
  else if (existsSync(join(root, 'volumes', name))) outcomes.createLeftHalfMade++;
  else outcomes.createNotStarted++;
}

async function killCreateAnytime(root: string, id: string): Promise<void> {
  const name = `plain${id}`;
  const env: Record<string, string> = random.coin() ? { VOL_TEST_DELAY_MS: String(20 + randomMs(130)) } : {};
  await killAt(root, ['create', name], randomMs(150), { env });
  const listed = await assertListedHaveData(root);
  tallyCreate(root, name, listed);
  await assertNameUsable(root, name, listed);
  await settleAndAssertEmpty(root);
}

async function killCreateInWindow(root: string, id: string): Promise<void> {
  const name = `window${id}`;
  await killAt(root, ['create', name], randomMs(150), {
    env: { VOL_TEST_DELAY_MS: String(DELAY_MS) },
    startWhen: () => existsSync(dataDir(root, name)),
  });
  const listed = await assertListedHaveData(root);
  tallyCreate(root, name, listed);
  // Killed after `_data` was made and before `ready`: the half-made volume is invisible.
  assert.deepEqual(listed, []);
  assert.equal((await run(root, ['exists', name])).code, 1);
  await assertNameUsable(root, name, listed);
  await settleAndAssertEmpty(root, [name]);
}


async function killRm(root: string, id: string): Promise<void> {
  const [victim, bystander] = [`gone${id}`, `other${id}`];
  for (const name of [victim, bystander]) assert.equal((await run(root, ['create', name])).code, 0);
  fillWithLinks(dataDir(root, victim));
  // Half the kills are timed from spawn, half from the moment rm holds the lock (its window is short).
  const fromLock = random.coin();
  await killAt(root, ['rm', victim], randomMs(fromLock ? 40 : 150), fromLock ? { startWhen: () => lockHeld(root, victim) } : {});
  const listed = await assertListedHaveData(root);
  assert.ok(listed.includes(bystander), 'a volume nobody touched disappeared');
  const halfDone = !listed.includes(victim) && existsSync(join(root, 'volumes', victim));
  if (listed.includes(victim)) outcomes.rmNotStarted++;
  else if (halfDone) outcomes.rmLeftHalfDone++;
  else outcomes.rmDone++;
  // A volume left in `removing` is finished by rm -a, which reports it as removed.
  await settleAndAssertEmpty(root, listed.includes(victim) || halfDone ? [victim, bystander] : [bystander]);
}

describe('SIGKILL at random moments', () => {
  after(() => console.log(`kill outcomes: ${JSON.stringify(outcomes)}`));

  it('killing create 0-150 ms after spawn keeps the invariants and the name usable', () => inLanes(2, 5, killCreateAnytime));

  it('killing create inside its crash window leaves a half-made volume the next create settles', () => inLanes(4, 2, killCreateInWindow));

  it('killing rm at a random moment keeps the invariants', () => inLanes(4, 3, killRm));
});

describe('SIGTERM and SIGINT', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to a create in progress leaves no lock and does not delay the next command`, async () => {
      const root = makeTemp('vol-e2e-signal-');
      try {
        const name = `sig-${signal.toLowerCase()}`;
        const p = spawnVol(root, ['create', name], { ...ENV, VOL_TEST_DELAY_MS: '5000' });
        await waitFor('create to make _data', () => existsSync(dataDir(root, name)));
        assert.ok(lockHeld(root, name), 'create holds its lock while it works');
        p.child.kill(signal);
        const interrupted = await p.done;
        assert.notEqual(interrupted.code, 0, 'an interrupted create must not report success');
        assert.equal(interrupted.stdout, '');
        assert.equal(lockHeld(root, name), false, 'the lock died with the process');
        assert.deepEqual(lockEntries(root), []);

        const t0 = Date.now();
        const next = await run(root, ['create', name]);
        const elapsed = Date.now() - t0;
        assert.equal(next.code, 0, next.stderr);
        assert.equal(next.stdout, `${name}\n`);
        // The stale time is 2 s: a command that had to wait for it would take at least that long.
        assert.ok(elapsed < 1500, `the next create took ${elapsed} ms: it waited for a lock the interrupted process should have released`);
        assert.deepEqual(await lsNames(root, ENV), [name]);
        await settleAndAssertEmpty(root, [name]);
      } finally {
        removeTemp(root);
      }
    });
  }
});
