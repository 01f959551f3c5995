import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { vol } from '../helpers/vol.ts';
import { assertFails, assertOk, create, inspect, lsNames, tempRootPerTest, type Inspect } from './support.ts';

const root = tempRootPerTest();
const ownUid = process.getuid?.() ?? 0;
const HEADER = 'DRIVER      VOLUME NAME';

/** Lines of stdout (without the final newline), asserting a successful run. */
function lsLines(...args: string[]): string[] {
  const r = vol(root(), ['ls', ...args]);
  assertOk(r);
  assert.ok(r.stdout === '' || r.stdout.endsWith('\n'), 'output ends with a newline');
  return r.stdout === '' ? [] : r.stdout.slice(0, -1).split('\n');
}

/** Sorted names `ls -q` prints for these filters. */
function filtered(...filters: string[]): string[] {
  return lsNames(root(), ...filters.flatMap((f) => ['--filter', f])).sort();
}

/** Four volumes, created in this order: web1, db1, cache, meta. */
function setupFilterVolumes(): void {
  create(root(), 'web1', '-l', 'app=web', '-l', 'tier=front', '-o', 'o=nodev');
  create(root(), 'db1', '-l', 'app=db', '-o', `o=uid=${ownUid}`);
  create(root(), 'cache', '-o', 'type=tmpfs');
  create(root(), 'meta', '-l', 'com.example.app=x');
}

const ALL = ['cache', 'db1', 'meta', 'web1'];

describe('ls output', () => {
  test('zero volumes: nothing at all, [] for json', () => {
    assert.deepEqual(lsLines(), []);
    assert.deepEqual(lsLines('--noheading'), []);
    assert.deepEqual(lsLines('-q'), []);
    const r = vol(root(), ['ls', '--format', 'json']);
    assertOk(r);
    assert.equal(r.stdout.trim(), '[]');
  });

  test('default table: DRIVER padded to 12 columns, then VOLUME NAME', () => {
    create(root(), 'bb');
    create(root(), 'a');
    const [header, ...rows] = lsLines();
    assert.equal(header, HEADER);
    assert.deepEqual(rows.sort(), ['local       a', 'local       bb']);
  });

  test('list is an alias; --noheading drops the header', () => {
    create(root(), 'a');
    assert.deepEqual(lsLines('--noheading'), ['local       a']);
    const r = vol(root(), ['list']);
    assertOk(r, `${HEADER}\nlocal       a\n`);
  });

  test('-q prints names only', () => {
    create(root(), 'a');
    create(root(), 'b');
    assert.deepEqual(lsLines('-q').sort(), ['a', 'b']);
    assert.deepEqual(lsLines('--quiet', '--noheading').sort(), ['a', 'b']);
  });

  test('-q with --format exits 125', () => {
    create(root(), 'a');
    assertFails(vol(root(), ['ls', '-q', '--format', 'x']), 125, ['quiet and format flags cannot be used together']);
    assertFails(vol(root(), ['ls', '--format', 'json', '--quiet']), 125, ['quiet and format flags cannot be used together']);
  });

  test('a positional argument exits 125', () => {
    create(root(), 'a');
    assertFails(vol(root(), ['ls', 'a']), 125, []);
  });

  test('--format json is an array of the inspect objects', () => {
    create(root(), 'a', '-l', 'k=v');
    create(root(), 'b', '-o', `o=uid=${ownUid}`);
    const r = vol(root(), ['ls', '--format', 'json']);
    assertOk(r);
    const listed = (JSON.parse(r.stdout) as Inspect[]).sort((x, y) => x.Name.localeCompare(y.Name));
    const inspected = inspect(root(), 'a', 'b');
    assert.deepEqual(listed, inspected);
    assert.deepEqual(listed.map((v) => Object.keys(v)), inspected.map((v) => Object.keys(v)));
  });

  test('templates: fields, map keys, spaces inside actions, json', () => {
    create(root(), 'a', '-l', 'k=v1');
    create(root(), 'b', '-o', `o=uid=${ownUid}`);
    assert.deepEqual(lsLines('--format', '{{.Name}} {{.Labels.k}}').sort(), ['a v1', 'b <no value>']);
    assert.deepEqual(lsLines('--format', '{{.Name}}={{ .Options.UID }}').sort(), ['a=<no value>', `b=${ownUid}`]);
    assert.deepEqual(lsLines('--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.MountCount}}').sort(), ['a local local 0', 'b local local 0']);
    assert.deepEqual(lsLines('--format', '{{.Name}} {{json .Labels}}').sort(), ['a {"k":"v1"}', 'b {}']);
  });

  test('table prefix adds an aligned header of upper-cased field names, .Name as VOLUME NAME', () => {
    create(root(), 'a');
    const [header, ...rows] = lsLines('--format', 'table {{.Name}} {{.Driver}} {{.Scope}}');
    // Podman's table turns spaces into column breaks and aligns them with Go's tabwriter (min width 12, padding 2).
    assert.equal(header, 'VOLUME NAME  DRIVER      SCOPE');
    assert.deepEqual(rows, ['a            local       local']);
  });

  test('table prefix with --noheading prints the rows only', () => {
    create(root(), 'a');
    assert.deepEqual(lsLines('--noheading', '--format', 'table {{.Name}}'), ['a']);
  });
});

describe('ls filters', () => {
  test('name is an unanchored regex', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('name=b'), ['db1', 'web1']);
    assert.deepEqual(filtered('name=^c'), ['cache']);
    assert.deepEqual(filtered('name=we.1'), ['web1']);
    assert.deepEqual(filtered('name=e*1'), ['db1', 'web1']);
    assert.deepEqual(filtered('name=^nomatch$'), []);
  });

  test('driver and scope match exactly', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('driver=local'), ALL);
    assert.deepEqual(filtered('driver=loc'), []);
    assert.deepEqual(filtered('scope=local'), ALL);
    assert.deepEqual(filtered('scope=global'), []);
  });

  test('label=K, label=K=V and label globs', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('label=app'), ['db1', 'web1']);
    assert.deepEqual(filtered('label=app=web'), ['web1']);
    assert.deepEqual(filtered('label=app=we'), []);
    assert.deepEqual(filtered('label=ap*'), ['db1', 'meta', 'web1']);
    assert.deepEqual(filtered('label=example*'), ['meta']);
    assert.deepEqual(filtered('label=*ie'), ['web1']);
  });

  test('label!=K and label!=K=V select volumes without that label', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('label!=app'), ['cache', 'meta']);
    assert.deepEqual(filtered('label!=app=web'), ['cache', 'db1', 'meta']);
  });

  test('opt=K and opt=K=V match Options', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('opt=o'), ['db1', 'web1']);
    assert.deepEqual(filtered('opt=o=nodev'), ['web1']);
    assert.deepEqual(filtered('opt=type=tmpfs'), ['cache']);
    assert.deepEqual(filtered('opt=UID'), ['db1']);
    assert.deepEqual(filtered('opt=device'), []);
  });

  test('dangling: every volume is dangling without containers', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('dangling=true'), ALL);
    assert.deepEqual(filtered('dangling=1'), ALL);
    assert.deepEqual(filtered('dangling=false'), []);
    assert.deepEqual(filtered('dangling=0'), []);
  });

  test('after/since NAME: created after that volume', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('after=db1'), ['cache', 'meta']);
    assert.deepEqual(filtered('since=cache'), ['meta']);
    assert.deepEqual(filtered('after=meta'), []);
  });

  test('values of one key are OR-ed (label= AND-ed), different keys AND-ed', () => {
    setupFilterVolumes();
    assert.deepEqual(filtered('name=^web', 'name=^db'), ['db1', 'web1']);
    assert.deepEqual(filtered('label=app=web', 'label=app=db'), []);
    assert.deepEqual(filtered('label=app=web', 'label=tier'), ['web1']);
    assert.deepEqual(filtered('label=app', 'opt=o=nodev'), ['web1']);
    assert.deepEqual(filtered('name=1', 'label!=app=web'), ['db1']);
    assert.deepEqual(filtered('name=^web', 'name=^cache', 'opt=type'), ['cache']);
    assert.deepEqual(filtered('label=tier', 'label!=app'), []);
  });

  test('until: Unix seconds, date, RFC 3339 and durations', async () => {
    create(root(), 'old');
    const t = Math.floor(Date.now() / 1000) + 1;
    await sleep(t * 1000 + 1100 - Date.now());
    create(root(), 'new');
    assert.deepEqual(filtered(`until=${t}`), ['old']);
    assert.deepEqual(filtered(`until=${new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}`), ['old']);
    assert.deepEqual(filtered('until=1s'), ['old']);
    assert.deepEqual(filtered('until=1h'), []);
    assert.deepEqual(filtered(`until=${t - 3600}`), []);
    assert.deepEqual(filtered('until=2000-01-01'), []);
    assert.deepEqual(filtered('until=2999-12-31'), ['new', 'old']);
    assert.deepEqual(filtered('until=2999-01-01T00:00:00+02:00'), ['new', 'old']);
  });
});
