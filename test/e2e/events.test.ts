// End-to-end tests of `vol events`: what each command records, the filters and time bounds, the
// output formats, retention (`[engine] events_max`) and `--follow` across processes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { startTestPlugin } from '../helpers/test-plugin.ts';
import { vol, volAsync, VOL_BIN, type VolRun } from '../helpers/vol.ts';
import { dataOf, mountedRootPerTest, mountsAt } from './mount-support.ts';
import { assertFails, assertOk, create } from './support.ts';

const { root, temp } = mountedRootPerTest();

/** One event as `vol events --format json` prints it; TimeNano is read from the raw digits (it does not fit a double). */
interface Ev {
  ID: number;
  Time: string;
  TimeNano: bigint;
  Type: string;
  Volume: string;
  Driver: string;
  UID: number;
  PID: number;
  Attributes: Record<string, unknown>;
}

const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** Parses JSON lines, asserting every line is one JSON object whose TimeNano is a plain integer literal. */
function parseJsonLines(stdout: string): Ev[] {
  assert.ok(stdout === '' || stdout.endsWith('\n'), `output does not end with a newline: ${JSON.stringify(stdout.slice(-80))}`);
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const obj = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof obj, 'object', line);
      const m = /"TimeNano":(\d+)[,}]/.exec(line);
      assert.ok(m, `TimeNano is not an integer literal in ${line}`);
      assert.equal(typeof obj.TimeNano, 'number', line);
      return { ...(obj as unknown as Ev), TimeNano: BigInt(m[1]!) };
    });
}

/** `vol events --format json ARGS`, asserting success; the events, oldest first. */
function events(...args: string[]): Ev[] {
  const r = vol(root(), ['events', '--format', 'json', ...args]);
  assertOk(r);
  return parseJsonLines(r.stdout);
}

/** `vol events --format '{{.Type}} {{.Volume}}' ARGS`, asserting success; one string per event. */
function brief(...args: string[]): string[] {
  const r = vol(root(), ['events', '--format', '{{.Type}} {{.Volume}}', ...args]);
  assertOk(r);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** What one expected event must be; labels/holder undefined means the attribute must be absent. */
interface Expected {
  type: string;
  volume: string;
  driver?: string;
  labels?: Record<string, string>;
  holder?: string;
}

/** Asserts the fields every event must have right, one by one, and the order of time and ids. */
function assertWellFormed(evs: Ev[], startedMs: number): void {
  const lo = BigInt(startedMs - 1000) * 1_000_000n;
  const hi = BigInt(Date.now() + 1000) * 1_000_000n;
  for (const [i, e] of evs.entries()) {
    const at = `event ${i} (${e.Type} ${e.Volume})`;
    assert.match(e.Time, RFC3339_NANO, at);
    // Time and TimeNano are the same instant.
    assert.equal(e.Time.slice(20, 29), (e.TimeNano % 1_000_000_000n).toString().padStart(9, '0'), `${at}: Time fraction vs TimeNano`);
    assert.equal(BigInt(Date.parse(e.Time)), e.TimeNano / 1_000_000n, `${at}: Time vs TimeNano`);
    assert.ok(e.TimeNano >= lo && e.TimeNano <= hi, `${at}: TimeNano ${e.TimeNano} is not within this test's run`);
    assert.equal(e.UID, 0, `${at}: uid (tests run as root)`);
    assert.ok(Number.isInteger(e.PID) && e.PID > 0, `${at}: pid ${e.PID}`);
    assert.notEqual(e.PID, process.pid, `${at}: pid is the test's own`);
    assert.ok(Number.isInteger(e.ID), `${at}: ID`);
    assert.equal(typeof e.Attributes, 'object', at);
    if (i > 0) {
      const prev = evs[i - 1]!;
      assert.ok(e.ID > prev.ID, `${at}: ID ${e.ID} after ${prev.ID}`);
      assert.ok(e.TimeNano >= prev.TimeNano, `${at}: TimeNano goes back (${prev.TimeNano} -> ${e.TimeNano})`);
      if (e.PID !== prev.PID) assert.ok(e.TimeNano > prev.TimeNano, `${at}: TimeNano not after the previous process's event`);
    }
  }
}

/** Asserts `evs` are exactly `expected`, in order: type, volume, driver, labels and holder attributes. */
function assertEvents(evs: Ev[], expected: Expected[], context = ''): void {
  assert.deepEqual(
    evs.map((e) => `${e.Type} ${e.Volume}`),
    expected.map((x) => `${x.type} ${x.volume}`),
    `events ${context}`,
  );
  for (const [i, x] of expected.entries()) {
    const e = evs[i]!;
    const at = `event ${i} (${x.type} ${x.volume}) ${context}`;
    assert.equal(e.Driver, x.driver ?? 'local', `${at}: driver`);
    assert.deepEqual(e.Attributes.labels, x.labels, `${at}: labels attribute`);
    assert.equal(e.Attributes.holder, x.holder, `${at}: holder attribute`);
  }
}

/** Runs a command that must fail with `code`, and asserts it wrote no event. */
function failsWithoutEvent(args: string[], code: number): void {
  const before = events();
  const r = vol(root(), args);
  assert.equal(r.code, code, `vol ${args.join(' ')}: exit code (stderr: ${r.stderr.trim()})`);
  assert.match(r.stderr, /Error: /, `vol ${args.join(' ')}: stderr`);
  assert.deepEqual(events(), before, `vol ${args.join(' ')} wrote an event`);
}

describe('events: what each command records', () => {
  test('a sequence of commands records exactly its events, in order, with their fields; failed commands record none', () => {
    const started = Date.now();
    const expected: Expected[] = [];
    const LAB = { env: 'prod', team: 'a' };
    /** Runs a command that must succeed and record exactly `recorded` (appended to what came before). */
    const step = (args: string[], ...recorded: Expected[]) => {
      const r = vol(root(), args);
      assertOk(r);
      expected.push(...recorded);
      assertEvents(events(), expected, `after vol ${args.join(' ')}`);
    };

    step(['create', '-l', 'env=prod', '-l', 'team=a', 'lab'], { type: 'create', volume: 'lab', labels: LAB });
    step(['create', 'plain'], { type: 'create', volume: 'plain' });
    step(['create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'tm'], { type: 'create', volume: 'tm' });
    step(['mount', 'tm', '--holder', 'h1'], { type: 'mount', volume: 'tm', holder: 'h1' });
    assert.equal(mountsAt(dataOf(root(), 'tm')), 1);
    step(['unmount', 'tm', '--holder', 'h1'], { type: 'unmount', volume: 'tm', holder: 'h1' });
    assert.equal(mountsAt(dataOf(root(), 'tm')), 0);
    step(['mount', 'tm'], { type: 'mount', volume: 'tm' });
    step(['unmount', 'tm'], { type: 'unmount', volume: 'tm' });

    writeFileSync(join(dataOf(root(), 'lab'), 'hello.txt'), 'hi\n');
    const tar = join(temp('vol-events-tar-'), 'lab.tar');
    step(['export', 'lab', '-o', tar], { type: 'export', volume: 'lab', labels: LAB });
    step(['import', 'plain', tar], { type: 'import', volume: 'plain' });
    assert.equal(readFileSync(join(dataOf(root(), 'plain'), 'hello.txt'), 'utf8'), 'hi\n');
    step(['rm', 'plain'], { type: 'remove', volume: 'plain' });
    step(['mount', 'tm', '--holder', 'h2'], { type: 'mount', volume: 'tm', holder: 'h2' });

    // Refused or failed: exit codes as the contract fixes them, and nothing recorded.
    failsWithoutEvent(['rm', 'tm'], 2);
    failsWithoutEvent(['create', 'bad name!'], 125);
    failsWithoutEvent(['create', '--no-such-option', 'x'], 125);
    failsWithoutEvent(['create', '-o', 'size=abc', 'x'], 125);
    failsWithoutEvent(['create', 'lab'], 125);
    failsWithoutEvent(['rm', 'missing'], 1);
    failsWithoutEvent(['unmount', 'tm', '--holder', 'nobody'], 125);
    failsWithoutEvent(['import', 'missing', tar], 125);
    failsWithoutEvent(['export', 'missing', '-o', `${tar}.2`], 125);
    // `create --ignore` of an existing volume changes nothing, so it records nothing.
    const before = events();
    assertOk(vol(root(), ['create', '--ignore', 'lab']), 'lab\n');
    assert.deepEqual(events(), before, 'create --ignore of an existing volume wrote an event');

    step(['unmount', 'tm', '--holder', 'h2'], { type: 'unmount', volume: 'tm', holder: 'h2' });
    const pruneRun = vol(root(), ['prune', '-f']);
    assertOk(pruneRun);
    assert.deepEqual(pruneRun.stdout.split('\n').filter((l) => l !== '').sort(), ['lab', 'tm']);
    const all = events();
    // prune writes one event per removed volume; their order between themselves is not fixed.
    const pruned = all.slice(expected.length);
    assert.deepEqual(pruned.map((e) => `${e.Type} ${e.Volume}`).sort(), ['prune lab', 'prune tm']);
    const pruneExpected = pruned.map((e): Expected => (e.Volume === 'lab' ? { type: 'prune', volume: 'lab', labels: LAB } : { type: 'prune', volume: 'tm' }));
    expected.push(...pruneExpected);
    assertEvents(all, expected, 'after prune -f');
    assertWellFormed(all, started);

    // One process per command: every event before prune has its own pid; prune's two share one.
    const pids = all.slice(0, -2).map((e) => e.PID);
    assert.equal(new Set(pids).size, pids.length, `pids repeat: ${pids.join(' ')}`);
    assert.equal(all.at(-1)!.PID, all.at(-2)!.PID, 'the two prune events come from one process');
    assert.ok(!pids.includes(all.at(-1)!.PID));
    // mount and unmount say how many mounts are left.
    assert.deepEqual(
      all.filter((e) => e.Type === 'mount' || e.Type === 'unmount').map((e) => e.Attributes.mountCount),
      [1, 0, 1, 0, 1, 0],
    );
  });

  test('prune drops a holder whose process is gone and records that unmount, then the prune', async () => {
    create(root(), 'gone', '-o', 'type=tmpfs', '-o', 'device=tmpfs');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    assertOk(vol(root(), ['mount', 'gone', '--holder', 'job', '--pid', String(child.pid)]));
    child.kill('SIGKILL');
    await exited;
    assertOk(vol(root(), ['prune', '-f']), 'gone\n');
    const evs = events();
    assert.deepEqual(
      evs.map((e) => `${e.Type} ${e.Volume}`),
      ['create gone', 'mount gone', 'unmount gone', 'prune gone'],
    );
    assert.equal(evs[1]!.Attributes.holder, 'job');
    assert.equal(evs[1]!.Attributes.pid, child.pid);
    assert.deepEqual(evs[2]!.Attributes.holders, ['job']);
    assert.equal(evs[2]!.PID, evs[3]!.PID);
  });

  test('plugin volumes: create, reload (added and removed, per plugin) and remove record the plugin', async () => {
    const plugin = await startTestPlugin({ name: 'tp' });
    try {
      const run = async (...args: string[]): Promise<VolRun> => {
        const r = await volAsync(root(), ['--volume-plugin', `tp=${plugin.socket}`, ...args]);
        assert.equal(r.stderr, '', `vol ${args.join(' ')}: stderr`);
        assert.equal(r.code, 0, `vol ${args.join(' ')}: exit code`);
        return r;
      };
      const jsonEvents = async (): Promise<Ev[]> => parseJsonLines((await run('events', '--format', 'json')).stdout);
      await run('create', '--driver', 'tp', '-l', 'k=v', 'pv');
      plugin.addVolume('extra1');
      plugin.addVolume('extra2');
      assert.equal((await run('reload')).stdout, 'Added:\nextra1\nextra2\n');
      plugin.forget('extra1');
      assert.equal((await run('reload')).stdout, 'Removed:\nextra1\n');
      // In sync: nothing changes, nothing is recorded.
      assert.equal((await run('reload')).stdout, '');
      await run('rm', 'pv');
      const evs = await jsonEvents();
      assertEvents(evs, [
        { type: 'create', volume: 'pv', driver: 'tp', labels: { k: 'v' } },
        { type: 'reload', volume: 'extra1', driver: 'tp' },
        { type: 'reload', volume: 'extra2', driver: 'tp' },
        { type: 'reload', volume: 'extra1', driver: 'tp' },
        { type: 'remove', volume: 'pv', driver: 'tp', labels: { k: 'v' } },
      ]);
      assert.deepEqual(
        evs.map((e) => [e.Attributes.plugin, e.Attributes.action]),
        [
          ['tp', undefined],
          ['tp', 'added'],
          ['tp', 'added'],
          ['tp', 'removed'],
          ['tp', undefined],
        ],
      );
      assert.equal(evs[1]!.PID, evs[2]!.PID, 'one reload, one process');
      assert.notEqual(evs[2]!.PID, evs[3]!.PID);
    } finally {
      await plugin.close();
    }
  });
});

/** Labelled volumes for the filter tests: a env=prod, b env=dev (removed), c tier=web, d none (removed), e env=prod+tier=web. */
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
    assert.deepEqual(names('--until', '1h'), []);
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
    assertOk(vol(root(), ['events', '--format', '{{.Volume}}:{{.Attributes.holder}}']), 'a:\nb:\nb:hx\n');
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

/** A running `vol events --follow ...`, its stdout so far, and when each line arrived. */
interface Follower {
  child: ChildProcess;
  lines: { text: string; at: number }[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function follow(rootDir: string, ...args: string[]): Follower {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VOL_ROOT;
  delete env.VOL_CONFIG;
  const child = spawn(VOL_BIN, ['--root', rootDir, 'events', '--follow', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
