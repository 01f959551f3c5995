// vol events flags as Podman scripts use them: event=, --stream, volume= prefixes, --until.
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { spawnVol } from '../helpers/e2e.ts';
import { vol } from '../helpers/vol.ts';
import { assertFails, assertOk, create, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();

/** The lines of a successful `vol events ARGS` run. */
function lines(...args: string[]): string[] {
  const r = vol(root(), ['events', ...args]);
  assertOk(r);
  return r.stdout.split('\n').filter((l) => l !== '');
}

const brief = (...args: string[]) => lines('--format', '{{.Type}} {{.Volume}}', ...args);

/** Waits until process `pid` has the root's database open: a follower then knows where the stored events end. */
async function databaseOpen(pid: number): Promise<void> {
  const db = join(root(), 'vol.db');
  for (let i = 0; i < 500; i++) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === db)) return;
    } catch {
      // Gone or not started yet: asked again below.
    }
    await sleep(20);
  }
  assert.fail(`process ${pid} never opened ${db}`);
}

describe('events filters and flags', () => {
  test("Podman's volume-events test: --stream=false with a volume name, then its prefix", () => {
    const name = 'v-t160-events-abcdef';
    create(root(), name);
    assertOk(vol(root(), ['rm', name]), `${name}\n`);
    create(root(), 'other');
    const out = lines('--since=1m', '--stream=false', '--filter', `volume=${name}`);
    assert.equal(out.length, 2, out.join('\n'));
    assert.match(out[0]!, new RegExp(`.* volume create ${name}`));
    assert.match(out[1]!, new RegExp(`.* volume remove ${name}`));
    assert.deepEqual(lines('--since=1m', '--stream=false', '--filter', `volume=${name.slice(0, 9)}`), out);
    assert.deepEqual(brief('--filter', 'event=create', '--stream=false'), [`create ${name}`, 'create other']);
  });

  test('event= and type= test the kind; type=volume is every kind; different keys are AND-ed', () => {
    create(root(), 'a');
    assertOk(vol(root(), ['rm', 'a']), 'a\n');
    assert.deepEqual(brief('--filter', 'event=remove'), ['remove a']);
    assert.deepEqual(brief('--filter', 'event=remove', '--filter', 'event=create'), ['create a', 'remove a']);
    assert.deepEqual(brief('--filter', 'type=volume', '--filter', 'event=create'), ['create a']);
    assert.deepEqual(brief('--filter', 'type=remove', '--filter', 'event=create'), []);
    assert.deepEqual(brief('--filter', 'status=remove'), ['remove a']);
    assertFails(vol(root(), ['events', '--filter', 'event=start']), 125, ['invalid event event "start"']);
    assertFails(vol(root(), ['events', '--filter', 'colour=red']), 125, ['"colour" is an invalid event filter']);
  });

  test('volume= prefers the exact name, takes a unique prefix, and refuses an ambiguous one', () => {
    create(root(), 'cache');
    create(root(), 'cache2');
    create(root(), 'data');
    assert.deepEqual(brief('--filter', 'volume=cache'), ['create cache']);
    assert.deepEqual(brief('--filter', 'volume=cache2'), ['create cache2']);
    assert.deepEqual(brief('--filter', 'volume=d'), ['create data']);
    assert.deepEqual(brief('--filter', 'volume=cache', '--filter', 'volume=d'), ['create cache', 'create data']);
    assertFails(vol(root(), ['events', '--filter', 'volume=ca']), 125, ['more than one result for volume name "ca"']);
  });

  test('--stream takes a Go boolean; --follow with --stream=false is refused', () => {
    create(root(), 'a');
    assert.deepEqual(brief('--stream=false'), ['create a']);
    assert.deepEqual(brief('--stream', 'false'), ['create a']);
    assert.deepEqual(brief('--stream=0'), ['create a']);
    assertFails(vol(root(), ['events', '--stream=maybe']), 125, ['invalid --stream value "maybe"']);
    assertFails(vol(root(), ['events', '--follow', '--stream=false']), 125, ['--follow and --stream=false cannot be used together']);
  });

  test('a duration in --until counts forward from now, as in Podman', () => {
    create(root(), 'a');
    assert.deepEqual(brief('--until', '1h'), ['create a']);
    assert.deepEqual(brief('--until', '-1h'), []);
  });
});

describe('events --stream and --until while following', () => {
  test('--stream=true --until 5s prints the stored events, then new ones, and ends by itself', { timeout: 30_000 }, async () => {
    create(root(), 'before');
    const f = spawnVol(root(), ['events', '--stream=true', '--until', '5s', '--format', '{{.Type}} {{.Volume}}']);
    try {
      await sleep(800);
      create(root(), 'during');
      const r = await f.done;
      assertOk(r, 'create before\ncreate during\n');
    } finally {
      f.child.kill('SIGKILL');
    }
    // A follower whose bound has passed prints what came before it and ends at once.
    const cut = new Date().toISOString();
    create(root(), 'after');
    assert.deepEqual(brief('--follow', '--until', cut), ['create before', 'create during']);
  });

  test('a bare --stream follows until interrupted, then exits 0', { timeout: 30_000 }, async () => {
    create(root(), 'seed');
    const f = spawnVol(root(), ['events', '--stream', '--format', '{{.Type}} {{.Volume}}']);
    try {
      await databaseOpen(f.child.pid!);
      create(root(), 'live');
      await sleep(1500);
      f.child.kill('SIGINT');
      assertOk(await f.done, 'create live\n');
    } finally {
      f.child.kill('SIGKILL');
    }
  });
});
