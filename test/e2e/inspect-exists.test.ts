import assert from 'node:assert/strict';
import { isAbsolute, join } from 'node:path';
import { describe, test } from 'node:test';
import { vol } from '../helpers/vol.ts';
import { assertFails, assertOk, create, inspect, inspectOne, tempRootPerTest, type Inspect } from './support.ts';

const root = tempRootPerTest();
const ownUid = process.getuid?.() ?? 0;
const ownGid = process.getgid?.() ?? 0;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const NAMES_OR_ALL = 'provide one or more volume names or use --all';

/** Asserts `vol exists NAME` exits `code` and prints nothing at all. */
function assertExists(name: string, code: number): void {
  const r = vol(root(), ['exists', name]);
  assert.equal(r.code, code, `exists ${name}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, '');
}

describe('inspect', () => {
  test('prints a JSON array with the contract keys in order', () => {
    const before = Date.now();
    create(root(), 'plain', '-l', 'k=v');
    const after = Date.now();
    const r = vol(root(), ['inspect', 'plain']);
    assertOk(r);
    const arr = JSON.parse(r.stdout) as Inspect[];
    assert.equal(arr.length, 1);
    const v = arr[0]!;
    assert.deepEqual(Object.keys(v), ['Name', 'Driver', 'Mountpoint', 'CreatedAt', 'Labels', 'Scope', 'Options', 'MountCount']);
    assert.equal(v.Name, 'plain');
    assert.equal(v.Driver, 'local');
    assert.equal(v.Mountpoint, join(root(), 'volumes', 'plain', '_data'));
    assert.ok(isAbsolute(v.Mountpoint));
    assert.match(v.CreatedAt, RFC3339);
    const created = Date.parse(v.CreatedAt);
    assert.ok(created >= before - 1000 && created <= after + 1000, `CreatedAt ${v.CreatedAt} not within the create call`);
    assert.deepEqual(v.Labels, { k: 'v' });
    assert.equal(v.Scope, 'local');
    assert.deepEqual(v.Options, {});
    assert.equal(v.MountCount, 0);
  });

  test('UID and GID come between Options and MountCount, as numbers', () => {
    create(root(), 'both', '-o', `o=uid=${ownUid},gid=${ownGid}`);
    create(root(), 'uidonly', '-o', `o=uid=${ownUid}`);
    const [both, uidOnly] = inspect(root(), 'both', 'uidonly');
    assert.deepEqual(Object.keys(both!), ['Name', 'Driver', 'Mountpoint', 'CreatedAt', 'Labels', 'Scope', 'Options', 'UID', 'GID', 'MountCount']);
    assert.deepEqual([both!.UID, both!.GID], [ownUid, ownGid]);
    assert.deepEqual(Object.keys(uidOnly!), ['Name', 'Driver', 'Mountpoint', 'CreatedAt', 'Labels', 'Scope', 'Options', 'UID', 'MountCount']);
    assertOk(vol(root(), ['inspect', '-f', '{{.UID}}/{{.GID}} {{json .Options.UID}}', 'both']), `${ownUid}/${ownGid} "${ownUid}"\n`);
  });

  test('--all prints every volume; [] when there are none', () => {
    const empty = vol(root(), ['inspect', '-a']);
    assertOk(empty);
    assert.equal(empty.stdout.trim(), '[]');
    create(root(), 'a');
    create(root(), 'b');
    const r = vol(root(), ['inspect', '--all']);
    assertOk(r);
    assert.deepEqual((JSON.parse(r.stdout) as Inspect[]).map((v) => v.Name).sort(), ['a', 'b']);
  });

  test('a template prints one line per volume in argument order', () => {
    create(root(), 'a', '-l', 'k=1');
    create(root(), 'b', '-l', 'k=2');
    create(root(), 'c', '-l', 'k=3');
    assertOk(vol(root(), ['inspect', '--format', '{{.Name}}:{{.Labels.k}}', 'c', 'a', 'b']), 'c:3\na:1\nb:2\n');
    assertOk(vol(root(), ['inspect', '-f', '{{ .Mountpoint }}', 'b']), `${join(root(), 'volumes', 'b', '_data')}\n`);
    assertOk(vol(root(), ['inspect', '-f', '{{.Scope}} {{.MountCount}}', 'a']), 'local 0\n');
  });

  test('--format json is the default array', () => {
    create(root(), 'a');
    const r = vol(root(), ['inspect', '--format', 'json', 'a']);
    assertOk(r);
    assert.deepEqual(JSON.parse(r.stdout), inspect(root(), 'a'));
  });

  test('a missing volume exits 125; existing ones given alongside still print', () => {
    create(root(), 'a');
    create(root(), 'b');
    const r = vol(root(), ['inspect', 'a', 'nope', 'b']);
    assertFails(r, 125, ['no such volume nope'], { anyStdout: true });
    assert.deepEqual((JSON.parse(r.stdout) as Inspect[]).map((v) => v.Name), ['a', 'b']);
    const t = vol(root(), ['inspect', '-f', '{{.Name}}', 'a', 'nope', 'b']);
    assertFails(t, 125, ['no such volume nope'], { stdout: 'a\nb\n' });
  });

  test('only missing volumes: exit 125, stdout empty or []', () => {
    const r = vol(root(), ['inspect', 'ghost']);
    assertFails(r, 125, ['no such volume ghost'], { anyStdout: true });
    assert.ok(r.stdout.trim() === '' || r.stdout.trim() === '[]', `stdout: ${r.stdout}`);
  });

  test('no names and no --all, or both, exits 125', () => {
    create(root(), 'a');
    assertFails(vol(root(), ['inspect']), 125, [NAMES_OR_ALL]);
    assertFails(vol(root(), ['inspect', '-a', 'a']), 125, [NAMES_OR_ALL]);
    assertFails(vol(root(), ['inspect', '--all', '--format', '{{.Name}}', 'a']), 125, [NAMES_OR_ALL]);
  });

  test('a unique prefix is resolved; an ambiguous one exits 125', () => {
    create(root(), 'alpha');
    create(root(), 'data1');
    create(root(), 'data2');
    assertOk(vol(root(), ['inspect', '-f', '{{.Name}}', 'alp']), 'alpha\n');
    assert.equal(inspectOne(root(), 'data2').Name, 'data2');
    assertFails(vol(root(), ['inspect', 'dat']), 125, ['more than one result for volume name "dat"'], { anyStdout: true });
  });

  test('prefixes are case-sensitive', () => {
    create(root(), 'data1');
    create(root(), 'DATA2');
    assertOk(vol(root(), ['inspect', '-f', '{{.Name}}', 'da']), 'data1\n');
    assertOk(vol(root(), ['inspect', '-f', '{{.Name}}', 'DA']), 'DATA2\n');
    assertFails(vol(root(), ['inspect', '-f', '{{.Name}}', 'Dat']), 125, ['no such volume Dat']);
  });
});

describe('exists', () => {
  test('exit 0 when the volume exists, 1 when not; prints nothing', () => {
    create(root(), 'here');
    assertExists('here', 0);
    assertExists('nothere', 1);
    assertOk(vol(root(), ['rm', 'here']), 'here\n');
    assertExists('here', 1);
  });

  test('needs the exact name: a prefix does not count', () => {
    create(root(), 'alpha');
    assertExists('alp', 1);
    assertExists('ALPHA', 1);
    assertExists('alpha', 0);
  });

  test('exactly one argument, else 125', () => {
    create(root(), 'a');
    create(root(), 'b');
    assertFails(vol(root(), ['exists']), 125, []);
    assertFails(vol(root(), ['exists', 'a', 'b']), 125, []);
  });

  test('works on a root that does not exist yet', () => {
    const r = vol(join(root(), 'not', 'yet'), ['exists', 'x']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout + r.stderr, '');
  });
});
