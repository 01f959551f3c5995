// Crash consistency of the event log: `vol create` and `vol rm` are killed with SIGKILL at random
// moments; an event is never left without its change, nor a change without its event.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { dataDir, fillWithLinks, lines, lockHeld, lsNames, spawnVol, waitFor } from '../helpers/e2e.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';

// A lock left by a killed process is taken over after 2 s (the minimum allowed).
const ENV = { VOL_LOCK_STALE_MS: '2000' };
// Widens create's window between making the directories and marking the volume ready (and recording it).
const CREATE_ENV = { ...ENV, VOL_TEST_DELAY_MS: '300' };
const LANES = 4;
const ITERATIONS = 5;

const random = seededRandom();
const randomMs = (max: number) => random.upTo(max);

/** Where the kills landed, printed at the end so a run shows which windows were hit. */
const outcomes = { createNotStarted: 0, createHalfMade: 0, createDone: 0, rmNotStarted: 0, rmHalfDone: 0, rmDone: 0, exitedBeforeKill: 0 };

/** Per volume name: the create and remove events, in order, from `vol events --format json`. */
async function lifeEvents(root: string): Promise<Map<string, string[]>> {
  const r = await volAsync(root, ['events', '--format', 'json'], { env: ENV });
  assert.equal(r.code, 0, `events: ${r.stderr}`);
  assert.equal(r.stderr, '');
  const out = new Map<string, string[]>();
  for (const line of lines(r.stdout)) {
    const ev = JSON.parse(line) as { Type: string; Volume: string };
    if (ev.Type !== 'create' && ev.Type !== 'remove') continue;
    out.set(ev.Volume, [...(out.get(ev.Volume) ?? []), ev.Type]);
  }
  return out;
}

/**
 * The invariant: each name's events alternate create, remove, create...; a listed volume has one
 * more create than removes, an unlisted one as many. `halfRemoved` may be unlisted with one create
 * too many: a removal killed mid-way leaves its row in `removing`, recorded once it is finished.
 * Returns true when `halfRemoved` was in that state.
 */
async function assertInvariant(root: string, context: string, halfRemoved?: string): Promise<boolean> {
  const listed = new Set(await lsNames(root, ENV));
  const evs = await lifeEvents(root);
  let half = false;
  for (const name of new Set([...listed, ...evs.keys()])) {
    const seq = evs.get(name) ?? [];
    seq.forEach((type, i) => assert.equal(type, i % 2 === 0 ? 'create' : 'remove', `${context}: events of ${name} do not alternate: ${seq.join(' ')}`));
    const creates = seq.filter((t) => t === 'create').length;
    const diff = creates - (seq.length - creates);
    if (listed.has(name)) {
      assert.equal(diff, 1, `${context}: ${name} is listed but has ${seq.join(' ') || 'no'} events`);
    } else if (name === halfRemoved && diff === 1) {
      half = true;
    } else {
      assert.equal(diff, 0, `${context}: ${name} is not listed but has ${seq.join(' ')} events`);
    }
  }
  return half;
}

/** Spawns vol, sends SIGKILL after `delayMs` (counted from when `startWhen` first holds, if given). */
async function killAt(root: string, args: string[], delayMs: number, env: Record<string, string>, startWhen?: () => boolean): Promise<void> {
  const p = spawnVol(root, args, env);
  let exited = false;
  void p.done.then(() => (exited = true));
  if (startWhen) await waitFor(`vol ${args.join(' ')} to reach its crash window`, () => exited || startWhen());
  await sleep(delayMs);
  p.child.kill('SIGKILL');
  const r = await p.done;
  if (r.signal !== 'SIGKILL') {
    // Finished before the kill: then it must have succeeded.
    assert.equal(r.code, 0, `vol ${args.join(' ')}: ${r.stderr}`);
    outcomes.exitedBeforeKill++;
  }
}


async function killCreate(root: string, id: string): Promise<string | undefined> {
  const name = `c${id}`;
  // Half the kills are timed from spawn, half from the moment `_data` exists (inside the 300 ms window).
  if (random.coin()) await killAt(root, ['create', name], randomMs(700), CREATE_ENV);
  else await killAt(root, ['create', name], randomMs(250), CREATE_ENV, () => existsSync(dataDir(root, name)));
  if ((await lsNames(root, ENV)).includes(name)) outcomes.createDone++;
  else if (existsSync(join(root, 'volumes', name))) outcomes.createHalfMade++;
  else outcomes.createNotStarted++;
  return undefined;
}

async function killRm(root: string, id: string): Promise<string> {
  const name = `r${id}`;
  const r = await volAsync(root, ['create', name], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  fillWithLinks(dataDir(root, name));
  if (random.coin()) await killAt(root, ['rm', name], randomMs(300), ENV);
  else await killAt(root, ['rm', name], randomMs(40), ENV, () => lockHeld(root, name));
  return name;
}

describe('events under SIGKILL', () => {
  after(() => console.log(`event crash outcomes: ${JSON.stringify(outcomes)}`));

  it(`create and rm killed at random moments (${LANES * ITERATIONS} kills): every change has its event and every event its change`, () =>
    random.reporting(() => Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const root = makeTemp('vol-e2e-evcrash-');
        try {
          // A volume nobody touches, and its create event, must survive everything but the final rm -a.
          assert.equal((await volAsync(root, ['create', `keep${lane}`], { env: ENV })).code, 0);
          for (let i = 0; i < ITERATIONS; i++) {
            const id = `${lane}-${i}`;
            const victim = random.coin() ? await killCreate(root, id) : await killRm(root, id);
            const half = await assertInvariant(root, `after kill ${id}`, victim);
            if (victim !== undefined) {
              if (half) outcomes.rmHalfDone++;
              else if ((await lsNames(root, ENV)).includes(victim)) outcomes.rmNotStarted++;
              else outcomes.rmDone++;
            }
            // Settle: `creating` rows are undone (no event), `removing` rows finished (their remove event).
            const rmAll = await volAsync(root, ['rm', '-a'], { env: ENV });
            assert.equal(rmAll.code, 0, `rm -a: ${rmAll.stderr}`);
            if (half) assert.ok(lines(rmAll.stdout).includes(victim!), `rm -a did not report the half-removed ${victim}: ${rmAll.stdout}`);
            await assertInvariant(root, `after kill ${id} and rm -a`);
            assert.deepEqual(await lsNames(root, ENV), []);
            assert.equal((await volAsync(root, ['create', `keep${lane}`], { env: ENV })).code, 0);
          }
        } finally {
          removeTemp(root);
        }
      }),
    )));
});
