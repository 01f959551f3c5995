import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { vol } from '../helpers/vol.ts';
import {
  assertFails,
  assertNoLocks,
  assertOk,
  create,
  entries,
  inspectOne,
  lsNames,
  RANDOM_NAME_LINE,
  tempRootPerTest,
  volumeDir,
} from './support.ts';

const root = tempRootPerTest();
const ownUid = process.getuid?.() ?? 0;
const ownGid = process.getgid?.() ?? 0;
// As root the chown is visible; otherwise only chown to oneself is allowed.
const otherUid = ownUid === 0 ? 1234 : ownUid;
const otherGid = ownUid === 0 ? 4321 : ownGid;

/** statfs magic numbers of file systems a temp dir commonly lives on. */
const FS_NAMES = new Map<number, string>([
  [0xef53, 'ext4'],
  [0x01021994, 'tmpfs'],
  [0x794c7630, 'overlay'],
  [0x9123683e, 'btrfs'],
  [0x58465342, 'xfs'],
  [0x2fc12fc1, 'zfs'],
]);

function mode(path: string): number {
  return statSync(path).mode & 0o7777;
}

function assertOwner(path: string, uid: number, gid: number): void {
  const st = statSync(path);
  assert.deepEqual([st.uid, st.gid], [uid, gid], `owner of ${path}`);
}

/** Asserts a failed create left nothing: no directory, no lock, no listed volume. */
function assertNothingCreated(r: string): void {
  assert.deepEqual(entries(join(r, 'volumes')), []);
  assert.deepEqual(lsNames(r), []);
  assertNoLocks(r);
}

describe('create', () => {
  test('prints the name and lays out <root>/volumes/<name>/_data', () => {
    assertOk(vol(root(), ['create', 'data']), 'data\n');
    const dir = volumeDir(root(), 'data');
    const data = join(dir, '_data');
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(data), 0o755);
    assert.ok(statSync(data).isDirectory());
    assert.deepEqual(readdirSync(data), []);
    assertOwner(dir, ownUid, ownGid);
    assertOwner(data, ownUid, ownGid);
    assert.deepEqual(entries(join(root(), 'volumes')), ['data']);
    assertOk(vol(root(), ['exists', 'data']), '');
  });

  test('no name and an empty name give random 64-hex names', () => {
    const a = vol(root(), ['create']);
    const b = vol(root(), ['create', '']);
    assertOk(a);
    assertOk(b);
    assert.match(a.stdout, RANDOM_NAME_LINE);
    assert.match(b.stdout, RANDOM_NAME_LINE);
    assert.notEqual(a.stdout, b.stdout);
    assert.deepEqual(lsNames(root()), [a.stdout.trim(), b.stdout.trim()].sort());
  });

  test('more than one positional argument exits 125', () => {
    const r = vol(root(), ['create', 'a', 'b']);
    assertFails(r, 125, []);
    assertNothingCreated(root());
  });

  test('flags may come after the name', () => {
    assertOk(vol(root(), ['create', 'late', '-l', 'k=v', '--opt', 'o=nodev']), 'late\n');
    const v = inspectOne(root(), 'late');
    assert.deepEqual(v.Labels, { k: 'v' });
    assert.deepEqual(v.Options, { o: 'nodev' });
  });

  test('a duplicate name exits 125 and leaves the existing volume unchanged', () => {
    create(root(), 'dup', '-l', 'k=v');
    writeFileSync(join(volumeDir(root(), 'dup'), '_data', 'keep'), 'x');
    const before = inspectOne(root(), 'dup');
    const r = vol(root(), ['create', '-l', 'other=1', '-o', 'o=nodev', 'dup']);
    assertFails(r, 125, ['volume with name dup already exists', 'volume already exists']);
    assert.deepEqual(inspectOne(root(), 'dup'), before);
    assert.deepEqual(readdirSync(join(volumeDir(root(), 'dup'), '_data')), ['keep']);
    assertNoLocks(root());
  });

  test('--ignore on an existing volume prints the name and changes nothing', () => {
    create(root(), 'ign', '-l', 'k=v', '-o', 'o=nodev');
    writeFileSync(join(volumeDir(root(), 'ign'), '_data', 'keep'), 'x');
    const before = inspectOne(root(), 'ign');
    const r = vol(root(), ['create', '--ignore', '-l', 'new=1', '-o', `o=uid=${otherUid}`, '-o', 'type=tmpfs', 'ign']);
    assertOk(r, 'ign\n');
    assert.deepEqual(inspectOne(root(), 'ign'), before);
    assert.deepEqual(readdirSync(join(volumeDir(root(), 'ign'), '_data')), ['keep']);
    assertOwner(join(volumeDir(root(), 'ign'), '_data'), ownUid, ownGid);
    assert.deepEqual(lsNames(root()), ['ign']);
  });

  test('--ignore on a new name creates it normally', () => {
    assertOk(vol(root(), ['create', '--ignore', '-l', 'a=b', 'fresh']), 'fresh\n');
    assert.deepEqual(inspectOne(root(), 'fresh').Labels, { a: 'b' });
  });

  test('labels: V may contain "=", no "=" gives an empty value', () => {
    create(root(), 'lab', '-l', 'k=v=w', '-l', 'empty', '--label', 'x=1');
    assert.deepEqual(inspectOne(root(), 'lab').Labels, { k: 'v=w', empty: '', x: '1' });
  });

  test('an empty label or option key exits 125', () => {
    assertFails(vol(root(), ['create', '-l', '=v', 'x']), 125, ['invalid label format']);
    assertFails(vol(root(), ['create', '-o', '=x', 'x']), 125, []);
    assertNothingCreated(root());
  });

  test('option keys are case-insensitive and stored in one spelling, values verbatim; -o KEY has an empty value', () => {
    create(root(), 'opts', '-o', 'TYPE=tmpfs', '-o', 'Device=tmpfs', '-o', 'O=nodev,size_x', '-o', 'copy', '-o', 'NoCopy');
    assert.deepEqual(inspectOne(root(), 'opts').Options, { type: 'tmpfs', device: 'tmpfs', o: 'nodev,size_x', copy: '', nocopy: '' });
  });

  test('an unknown option key is named as typed', () => {
    assertFails(vol(root(), ['create', '-o', 'FooBar=1', 'x']), 125, ["invalid mount option FooBar for driver 'local'"]);
    assertNothingCreated(root());
  });

  test('o=uid=,gid= stay in o, add Options.UID/GID and chown both directories', () => {
    create(root(), 'own', '-o', `o=uid=${otherUid},gid=${otherGid},nodev`);
    const v = inspectOne(root(), 'own');
    assert.deepEqual(v.Options, { o: `uid=${otherUid},gid=${otherGid},nodev`, UID: String(otherUid), GID: String(otherGid) });
    assert.equal(v.UID, otherUid);
    assert.equal(v.GID, otherGid);
    assertOwner(volumeDir(root(), 'own'), otherUid, otherGid);
    assertOwner(join(volumeDir(root(), 'own'), '_data'), otherUid, otherGid);
    assert.equal(mode(volumeDir(root(), 'own')), 0o700);
    assert.equal(mode(join(volumeDir(root(), 'own'), '_data')), 0o755);
  });

  test('top-level uid/gid act like the o= sub-options', () => {
    create(root(), 'top', '-o', `uid=${otherUid}`, '-o', `GID=${otherGid}`);
    const v = inspectOne(root(), 'top');
    assert.equal(v.UID, otherUid);
    assert.equal(v.GID, otherGid);
    assertOwner(join(volumeDir(root(), 'top'), '_data'), otherUid, otherGid);
  });

  test('bad uid/gid values are reported with the contract phrases', () => {
    const cases: Array<[string, string]> = [
      ['o=uid=abc', 'cannot convert UID abc to integer'],
      ['o=gid=abc', 'cannot convert GID abc to integer'],
      ['uid=x1', 'cannot convert UID x1 to integer'],
      ['o=uid=', 'uid option must provide a UID'],
      ['o=gid=', 'gid option must provide a GID'],
      ['uid=', 'uid option must provide a UID'],
    ];
    for (const [opt, phrase] of cases) assertFails(vol(root(), ['create', '-o', opt, 'x']), 125, [phrase]);
    assertNothingCreated(root());
  });

  test('noquota is recorded as Options.NOQUOTA and removed from o', () => {
    create(root(), 'nq', '-o', 'o=noquota,nodev');
    assert.deepEqual(inspectOne(root(), 'nq').Options, { o: 'nodev', NOQUOTA: 'true' });
  });

  test('noquota together with size or inodes exits 125', () => {
    const phrase = 'volume options size and inodes cannot be used without quota';
    for (const opts of [['-o', 'o=noquota,size=1G'], ['-o', 'o=inodes=10,noquota'], ['-o', 'noquota', '-o', 'size=1G']]) {
      assertFails(vol(root(), ['create', ...opts, 'x']), 125, [phrase]);
    }
    assertNothingCreated(root());
  });

  test('size/inodes limits without a quota backend fail, naming the filesystem, leaving nothing', () => {
    mkdirSync(join(root(), 'volumes'));
    const fs = FS_NAMES.get(statfsSync(join(root(), 'volumes')).type);
    for (const opt of ['size=1G', 'o=size=1G', 'inodes=100', 'o=inodes=100,nodev']) {
      const r = vol(root(), ['create', '-o', opt, 'limited']);
      assertFails(r, 125, ['not supported', ...(fs ? [fs] : [/not supported on \S+/])]);
      assertNothingCreated(root());
    }
    create(root(), 'limited');
  });

  test('valid size syntaxes are accepted by the parser (then refused as not supported)', () => {
    for (const size of ['1G', '1g', '1GiB', '512m', '10KB', '1024', '2t']) {
      const r = vol(root(), ['create', '-o', `size=${size}`, 'x']);
      assertFails(r, 125, ['not supported']);
      assert.ok(!r.stderr.includes('cannot convert'), `size ${size}: ${r.stderr}`);
    }
  });

  test('type=bind needs an existing device', () => {
    const phrases = ["invalid volume option device for driver 'local'", 'no such file or directory'];
    assertFails(vol(root(), ['create', '-o', 'type=bind', '-o', `device=${join(root(), 'missing')}`, 'b']), 125, phrases);
    assertFails(vol(root(), ['create', '-o', 'type=bind', 'b']), 125, phrases);
    assertFails(vol(root(), ['create', '-o', 'TYPE=bind', '-o', `Device=${join(root(), 'missing')}`, 'b']), 125, phrases);
    assertNothingCreated(root());
    const src = join(root(), 'src');
    mkdirSync(src);
    create(root(), 'b', '-o', 'type=bind', '-o', `device=${src}`, '-o', 'o=bind');
    assert.deepEqual(inspectOne(root(), 'b').Options, { type: 'bind', device: src, o: 'bind' });
    assert.deepEqual(readdirSync(src), []);
  });

  test('device without bind and other types are only checked when mounting', () => {
    create(root(), 'dev', '-o', `device=${join(root(), 'missing')}`);
    create(root(), 'ext', '-o', 'type=ext4', '-o', `device=${join(root(), 'missing')}`, '-o', 'o=noatime');
    assert.deepEqual(inspectOne(root(), 'ext').Options, { type: 'ext4', device: join(root(), 'missing'), o: 'noatime' });
  });

  test('type=tmpfs takes size/inodes as tmpfs mount options, so no quota backend is needed', () => {
    const r = vol(root(), ['create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=64m,inodes=1000', 'tmp']);
    assertOk(r, 'tmp\n');
    assert.deepEqual(lsNames(root()), ['tmp']);
  });

  test('--driver: local is the default, an unknown driver exits 125', () => {
    create(root(), 'loc', '--driver', 'local');
    assert.equal(inspectOne(root(), 'loc').Driver, 'local');
    assertFails(vol(root(), ['create', '--driver', 'foo', 'x']), 125, ['no volume plugin with name foo available']);
    assert.deepEqual(lsNames(root()), ['loc']);
    assert.deepEqual(entries(join(root(), 'volumes')), ['loc']);
  });
});
