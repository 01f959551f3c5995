// End-to-end tests of `vol events`: filters, time bounds, output formats and retention.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { vol } from '../helpers/vol.ts';
import { assertFails, assertOk, create } from './support.ts';
import { brief, events, parseJsonLines, root, temp, type Ev } from './events-support.ts';

function filterFixture(): void {
  create(root(), 'a', '-l', 'env=prod');
  create(root(), 'b', '-l', 'env=dev');
  create(root(), 'c', '-l', 'tier=web');
  create(root(), 'd');
  create(root(), 'e', '-l', 'env=prod', '-l', 'tier=web');
  assertOk(vol(root(), ['rm', 'b', 'd']), 'b\nd\n');
}

describe('events: filters', () => {
  test('with no filter every event is listed; type=, volume= and their combinations select exactly the right ones', () => {
    filterFixture();
    const ALL = ['create a', 'create b', 'create c', 'create d', 'create e', 'remove b', 'remove d'];
    assert.deepEqual(brief(), ALL);
    assert.deepEqual(brief('--filter', 'type=create'), ALL.slice(0, 5));
    assert.deepEqual(brief('-f', 'type=remove'), ['remove b', 'remove d']);
    assert.deepEqual(brief('-f', 'type=mount'), []);
    // Same key: OR.
    assert.deepEqual(brief('-f', 'type=remove', '-f', 'type=create'), ALL);
    assert.deepEqual(brief('-f', 'volume=b'), ['create b', 'remove b']);
    assert.deepEqual(brief('-f', 'volume=a', '-f', 'volume=d'), ['create a', 'create d', 'remove d']);
    assert.deepEqual(brief('-f', 'volume=nothing'), []);
    // Different keys: AND.
    assert.deepEqual(brief('-f', 'type=remove', '-f', 'volume=b'), ['remove b']);
    assert.deepEqual(brief('-f', 'type=remove', '-f', 'volume=a'), []);
    assert.deepEqual(brief('-f', 'type=create', '-f', 'type=remove', '-f', 'volume=d', '-f', 'volume=e'), ['create d', 'create e', 'remove d']);
  });

  test('label=K and label=K=V match the labels the volume had; same key OR-ed, different keys AND-ed', () => {
    filterFixture();
    assert.deepEqual(brief('-f', 'label=env'), ['create a', 'create b', 'create e', 'remove b']);
    assert.deepEqual(brief('-f', 'label=env=prod'), ['create a', 'create e']);
    assert.deepEqual(brief('-f', 'label=env=dev'), ['create b', 'remove b']);
    assert.deepEqual(brief('-f', 'label=env=staging'), []);
    assert.deepEqual(brief('-f', 'label=nokey'), []);
    // Same key: OR.
    assert.deepEqual(brief('-f', 'label=env=prod', '-f', 'label=env=dev'), ['create a', 'create b', 'create e', 'remove b']);
    // Different keys: AND.
    assert.deepEqual(brief('-f', 'label=env=prod', '-f', 'label=tier=web'), ['create e'], 'label=env=prod AND label=tier=web');
    assert.deepEqual(brief('-f', 'label=env', '-f', 'label=tier'), ['create e'], 'label=env AND label=tier');
    assert.deepEqual(brief('-f', 'label=env', '-f', 'label=nokey'), [], 'label=env AND label=nokey');
    // With the other keys.
    assert.deepEqual(brief('-f', 'label=env', '-f', 'type=remove'), ['remove b']);
    assert.deepEqual(brief('-f', 'label=tier=web', '-f', 'volume=c', '-f', 'volume=a'), ['create c']);
  });

  test('an invalid filter key, an invalid type value, a filter without = exit 125 and print nothing', () => {
    create(root(), 'a');
    assertFails(vol(root(), ['events', '-f', 'colour=red']), 125, ['"colour" is an invalid event filter']);
    assertFails(vol(root(), ['events', '-f', 'type=create', '-f', 'nokey=1']), 125, ['nokey']);
    assertFails(vol(root(), ['events', '-f', 'type=bogus']), 125, ['invalid event type "bogus"']);
    assertFails(vol(root(), ['events', '-f', 'type=Create']), 125, ['invalid event type']);
    assertFails(vol(root(), ['events', '-f', 'type']), 125, ['expected KEY=VALUE']);
    assert.deepEqual(brief(), ['create a']);
  });
});

describe('events: time bounds', () => {
  test('--since and --until with an event\'s own Time are inclusive (since >=, until <=)', async () => {
    for (const n of ['t0', 't1', 't2', 't3', 't4']) {
      create(root(), n);
      await sleep(5);
    }
    const evs = events();
    assert.equal(evs.length, 5);
    const ids = (list: Ev[]) => list.map((e) => e.Volume);
    for (let k = 0; k < 5; k++) {
      const t = evs[k]!.Time;
      assert.deepEqual(ids(events('--since', t)), ['t0', 't1', 't2', 't3', 't4'].slice(k), `--since ${t} (event ${k})`);
      assert.deepEqual(ids(events('--until', t)), ['t0', 't1', 't2', 't3', 't4'].slice(0, k + 1), `--until ${t} (event ${k})`);
    }
    assert.deepEqual(ids(events('--since', evs[1]!.Time, '--until', evs[3]!.Time)), ['t1', 't2', 't3']);
    assert.deepEqual(ids(events('--since', evs[2]!.Time, '--until', evs[2]!.Time)), ['t2']);
    assert.deepEqual(ids(events('--since', evs[3]!.Time, '--until', evs[1]!.Time)), []);
  });

  test('--since/--until as durations, Unix seconds and RFC 3339 with an offset', async () => {
    create(root(), 'old');
    // The next whole second after `old`: Unix seconds bound between the two creates.
    const cut = Math.floor(Date.now() / 1000) + 1;
    await sleep(cut * 1000 - Date.now() + 50);
    create(root(), 'new');
    const names = (...args: string[]) => events(...args).map((e) => e.Volume);
    assert.deepEqual(names('--since', '1h'), ['old', 'new']);
    assert.deepEqual(names('--since', '10m'), ['old', 'new']);
    assert.deepEqual(names('--since', '1h30m', '--until', '0s'), ['old', 'new']);
    // As in Podman, a duration in --until counts forward from now.
    assert.deepEqual(names('--until', '1h'), ['old', 'new']);
    assert.deepEqual(names('--until', '-1h'), []);
    assert.deepEqual(names('--since', '0s'), []);
    assert.deepEqual(names('--since', String(cut)), ['new']);
    assert.deepEqual(names('--until', String(cut)), ['old']);
    assert.deepEqual(names('--since', `${cut - 3600}.5`), ['old', 'new']);
    assert.deepEqual(names('--since', String(cut + 3600)), []);
    // The same instant as `cut`, written in +02:00.
    const plus2 = new Date((cut + 7200) * 1000).toISOString().replace(/\.000Z$/, '+02:00');
    assert.deepEqual(names('--since', plus2), ['new'], `--since ${plus2}`);
    assert.deepEqual(names('--until', plus2), ['old'], `--until ${plus2}`);
  });

  test('a bad --since or --until exits 125 and prints nothing', () => {
    create(root(), 'a');
    assertFails(vol(root(), ['events', '--since', 'yesterday']), 125, ['invalid --since "yesterday"']);
    assertFails(vol(root(), ['events', '--until', '5x']), 125, ['invalid --until "5x"']);
    assertFails(vol(root(), ['events', '--since', '2026-13-45T99:00:00Z']), 125, ['--since']);
    assertFails(vol(root(), ['events', '--since', '-1h']), 125, ['--since']);
  });
});

describe('events: formats', () => {
  test('--format json: one object per line with every field', () => {
    create(root(), 'a', '-l', 'k=v');
    create(root(), 'b');
    const r = vol(root(), ['events', '--format', 'json']);
    assertOk(r);
    const lines = r.stdout.split('\n');
    assert.equal(lines.length, 3, 'two lines and a final newline');
    assert.equal(lines[2], '');
    for (const line of lines.slice(0, 2)) {
      const obj = JSON.parse(line) as Record<string, unknown>;
      for (const key of ['ID', 'Time', 'TimeNano', 'Type', 'Volume', 'Driver', 'UID', 'PID', 'Attributes']) assert.ok(Object.hasOwn(obj, key), `${key} missing in ${line}`);
    }
    const [a, b] = parseJsonLines(r.stdout);
    assert.deepEqual([a!.Type, a!.Volume, a!.Driver, a!.UID, a!.Attributes], ['create', 'a', 'local', 0, { labels: { k: 'v' } }]);
    assert.deepEqual([b!.Type, b!.Volume, b!.Attributes], ['create', 'b', {}]);
  });

  test('Go templates print the fields asked for, one line per event', () => {
    create(root(), 'a', '-l', 'k=v');
    create(root(), 'b');
    assertOk(vol(root(), ['mount', 'b', '--holder', 'hx']));
    const evs = events();
    assertOk(vol(root(), ['events', '--format', '{{.Type}} {{.Volume}}']), 'create a\ncreate b\nmount b\n');
    assertOk(vol(root(), ['events', '--format', '{{.Driver}}/{{.UID}}/{{.PID}}']), evs.map((e) => `local/0/${e.PID}\n`).join(''));
    assertOk(vol(root(), ['events', '--format', '{{.Time}} {{.TimeNano}}']), evs.map((e) => `${e.Time} ${e.TimeNano}\n`).join(''));
    // As in Go (and Podman), a missing map key prints <no value>.
    assertOk(vol(root(), ['events', '--format', '{{.Volume}}:{{.Attributes.holder}}']), 'a:<no value>\nb:<no value>\nb:hx\n');
    assertOk(vol(root(), ['events', '-f', 'volume=a', '--format', '{{.Attributes.labels.k}} {{json .Attributes}}']), 'v {"labels":{"k":"v"}}\n');
  });

  test('the default format is one readable line per event: the time, the type, the volume and the details', () => {
    create(root(), 'a', '-l', 'k=v');
    create(root(), 'b');
    assertOk(vol(root(), ['rm', 'b']));
    const evs = events();
    const r = vol(root(), ['events']);
    assertOk(r);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 3);
    for (const [i, line] of lines.entries()) {
      const e = evs[i]!;
      assert.ok(line.startsWith(`${e.Time} `), `line ${i} does not start with the event time: ${line}`);
      assert.match(line, new RegExp(`\\b${e.Type}\\b.*\\b${e.Volume}\\b`), `line ${i}: ${line}`);
      assert.ok(line.includes('driver=local') && line.includes(`pid=${e.PID}`) && line.includes('uid=0'), `line ${i}: ${line}`);
    }
    assert.ok(lines[0]!.includes('k=v'), `labels are shown: ${lines[0]}`);
  });

  test('a root with no database lists nothing and creates nothing', () => {
    const fresh = join(temp('vol-events-fresh-'), 'root');
    const r = vol(fresh, ['events', '--format', 'json']);
    assertOk(r, '');
    assert.equal(existsSync(fresh), false);
  });
});

describe('events: retention', () => {
  test('[engine] events_max = 5 keeps only the last 5 events', () => {
    const cfg = join(temp('vol-events-cfg-'), 'vol.toml');
    writeFileSync(cfg, '[engine]\nevents_max = 5\n');
    for (let i = 1; i <= 8; i++) assertOk(vol(root(), ['--config', cfg, 'create', `c${i}`]), `c${i}\n`);
    let evs = events();
    assert.deepEqual(evs.map((e) => `${e.Type} ${e.Volume}`), ['create c4', 'create c5', 'create c6', 'create c7', 'create c8']);
    assert.deepEqual(evs.map((e) => e.ID), [4, 5, 6, 7, 8]);
    assertOk(vol(root(), ['--config', cfg, 'rm', 'c1']));
    evs = events();
    assert.deepEqual(evs.map((e) => `${e.Type} ${e.Volume}`), ['create c5', 'create c6', 'create c7', 'create c8', 'remove c1']);
    // A failed command trims nothing.
    assert.equal(vol(root(), ['--config', cfg, 'rm', 'missing']).code, 1);
    assert.deepEqual(events(), evs);
  });

  test('an invalid events_max exits 125', () => {
    const cfg = join(temp('vol-events-cfg-'), 'vol.toml');
    for (const bad of ['0', '-3', '2.5', '"many"']) {
      writeFileSync(cfg, `[engine]\nevents_max = ${bad}\n`);
      assertFails(vol(root(), ['--config', cfg, 'create', 'x']), 125, ['events_max']);
    }
    assert.deepEqual(events(), []);
  });
});
