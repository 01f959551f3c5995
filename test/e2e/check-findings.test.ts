import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dataDir, lockEntries } from '../helpers/e2e.ts';
import { vol } from '../helpers/vol.ts';
import { check, corruptIndex, editDb, kinds, repairEvents } from './check-support.ts';
import { crashToolsDir, pathWith } from './crash-tools.ts';
import { mountedRootPerTest, mountsAt, sleeper } from './mount-support.ts';
import { assertOk, create, inspectOne, lsNames } from './support.ts';

const { root, temp } = mountedRootPerTest();
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

async function deadOwner(): Promise<{ pid: number; start: string; boot: string }> {
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return { pid: child.pid!, start: '1', boot: BOOT };
}

function plantLock(name: string, owner: object | undefined, ageMs = 0): string {
  const lock = join(root(), 'locks', `${name}.lock`);
  mkdirSync(lock, { recursive: true });
  if (owner) writeFileSync(join(lock, 'owner'), JSON.stringify(owner));
  const when = new Date(Date.now() - ageMs);
  utimesSync(lock, when, when);
  return lock;
}

/** Asserts that `path` lies inside this test's own temp dirs before a test points vol at it. */
function inside(dir: string, path: string): string {
  assert.ok(path.startsWith(dir + '/'), `${path} is not inside ${dir}`);
  return path;
}

describe('vol check', () => {
  test('a clean root: no output, exit 0; --help lists --repair and --format', () => {
    assertOk(vol(root(), ['check']), '');
    create(root(), 'a');
    create(root(), 't', '-o', 'type=tmpfs');
    assertOk(vol(root(), ['mount', 't']), dataDir(root(), 't') + '\n');
    assertOk(vol(root(), ['check']), '');
    assertOk(vol(root(), ['check', '--repair']), '');
    const help = vol(root(), ['check', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--repair/);
    assert.match(help.stdout, /--format/);
  });

  test('rows, directories, paths and the database: each finding made on purpose, reported, repaired, with an event', async () => {
    const canary = temp('vol-check-canary-');
    writeFileSync(join(canary, 'keep'), 'canary');
    for (const n of ['pm', 'rc', 'rr', 'dm', 'lk']) create(root(), n);
    // A row whose stored path points elsewhere: repair rewrites the record and touches nothing there.
    editDb(root(), 'UPDATE volumes SET mountpoint = ? WHERE name = ?', inside(canary, join(canary, '_data')), 'pm');
    editDb(root(), "UPDATE volumes SET status = 'creating' WHERE name = 'rc'");
    editDb(root(), "UPDATE volumes SET status = 'removing' WHERE name = 'rr'");
    rmdirSync(dataDir(root(), 'dm'));
    editDb(root(), "INSERT INTO volume_labels (volume, key, value) VALUES ('ghost', 'k', 'v')");
    // An orphan directory with data and a link out of it: moved whole, never looked into.
    const orphan = join(root(), 'volumes', 'orph');
    mkdirSync(join(orphan, '_data'), { recursive: true });
    writeFileSync(join(orphan, '_data', 'precious'), 'data');
    symlinkSync(canary, join(orphan, '_data', 'link'));
    plantLock('lk', await deadOwner());
    plantLock('nolock', undefined, 60_000);
    // A lock set aside by a process that was breaking it and was killed before it removed it.
    const dead = await deadOwner();
    const aside = join(root(), 'locks', `sa.lock.broken-${dead.pid}-0a1b2c`);
    mkdirSync(aside);
    writeFileSync(join(aside, 'owner'), JSON.stringify(dead));

    const found = check(root(), false, 1);
    assert.deepEqual(kinds(found), [
      'data-missing dm', 'db-dangling-rows ghost', 'lock-dead-owner lk', 'lock-orphan nolock', 'lock-orphan sa', 'orphan-dir orph', 'path-mismatch pm', 'row-creating rc', 'row-removing rr',
    ]);
    for (const f of found) assert.ok(f.Repair !== '' && !f.Repair.startsWith('none:'), `${f.Kind} has no repair: ${f.Repair}`);
    const text = vol(root(), ['check']);
    assert.equal(text.code, 1);
    assert.equal(text.stdout.split('\n').filter((l) => l !== '').length, found.length, 'one line per finding');
    assert.match(text.stdout, /^orphan-dir +orph \([^)]*\): no volume records this directory; repair: move it to /m);
    assert.deepEqual(readdirSync(orphan).sort(), ['_data'], 'a check without --repair changed something');

    const repaired = check(root(), true, 0);
    assert.deepEqual(kinds(repaired), kinds(found));
    for (const f of repaired) assert.equal(f.Outcome, 'repaired', `${f.Kind} ${f.Volume}: ${f.Error ?? ''}`);
    assert.deepEqual(check(root(), false, 0), []);

    assert.equal(inspectOne(root(), 'pm').Mountpoint, dataDir(root(), 'pm'));
    assert.equal(readFileSync(join(canary, 'keep'), 'utf8'), 'canary');
    assert.deepEqual(lsNames(root()), ['dm', 'lk', 'pm']);
    assert.equal(existsSync(join(root(), 'volumes', 'rc')), false);
    assert.equal(existsSync(join(root(), 'volumes', 'rr')), false);
    assert.equal(statSync(dataDir(root(), 'dm')).mode & 0o7777, 0o755);
    assert.deepEqual(lockEntries(root()), []);
    const lost = readdirSync(join(root(), 'lost+found')).sort();
    assert.equal(lost.length, 2);
    assert.match(lost[0]!, /^orph-\d{8}T\d{6}\.\d{3}Z$/);
    assert.equal(lost[1], `${lost[0]}.note`);
    assert.equal(readFileSync(join(root(), 'lost+found', lost[0]!, '_data', 'precious'), 'utf8'), 'data');
    assert.match(readFileSync(join(root(), 'lost+found', lost[1]!), 'utf8'), /Moved here from .*volumes\/orph/);
    assert.deepEqual(repairEvents(root()), kinds(found));
  });

  test('holders and mounts: stale holder, uncounted mount, count without mount, stacked mount', async () => {
    for (const n of ['h', 'k', 'c', 'p', 's']) create(root(), n, ...(n === 'p' ? [] : ['-o', 'type=tmpfs']));
    const proc = sleeper();
    assertOk(vol(root(), ['mount', 'h', '--holder', 'job', '--pid', String(proc.pid)]), dataDir(root(), 'h') + '\n');
    await proc.stop();
    const bin = crashToolsDir(temp('vol-crash-tools-'));
    assert.equal(vol(root(), ['mount', 'k'], { env: { PATH: pathWith(bin), VOL_TEST_KILL_AFTER_MOUNT: '1' } }).signal, 'SIGKILL');
    editDb(root(), "UPDATE volumes SET mount_count = 3 WHERE name IN ('c', 'p')");
    assertOk(vol(root(), ['mount', 's']), dataDir(root(), 's') + '\n');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', dataDir(root(), 's')]).status, 0);

    const found = check(root(), false, 1);
    // The killed mount left no lock behind: the kernel dropped it with the process.
    assert.deepEqual(kinds(found), ['holder-stale h', 'mount-count c', 'mount-count k', 'mount-count p', 'mount-stacked s']);
    const repaired = check(root(), true, 1);
    const outcome = Object.fromEntries(repaired.map((f) => [`${f.Kind} ${f.Volume}`, f.Outcome]));
    assert.deepEqual(outcome, { 'holder-stale h': 'repaired', 'mount-count c': 'repaired', 'mount-count k': 'repaired', 'mount-count p': 'repaired', 'mount-stacked s': 'remains' });
    assert.match(repaired.find((f) => f.Kind === 'mount-stacked')!.Error ?? '', /left alone: save what each layer holds/);
    assert.deepEqual(kinds(check(root(), false, 1)), ['mount-stacked s']);

    assert.equal(mountsAt(dataDir(root(), 'h')), 0, 'the dead holder\'s mount was not given back');
    assert.equal(inspectOne(root(), 'k').MountCount, 1);
    assert.equal(mountsAt(dataDir(root(), 'k')), 1);
    assertOk(vol(root(), ['unmount', 'k']), 'k\n');
    assert.equal(mountsAt(dataDir(root(), 'k')), 0);
    for (const n of ['c', 'p']) assert.equal(inspectOne(root(), n).MountCount, 0);
    // Once the extra layer is gone by hand, the volume is clean.
    assert.equal(spawnSync('umount', [dataDir(root(), 's')]).status, 0);
    assert.deepEqual(check(root(), true, 0), []);
    assert.deepEqual(repairEvents(root()), ['holder-stale h', 'mount-count c', 'mount-count k', 'mount-count p']);
  });

  test('a broken index is reported by PRAGMA integrity_check and left alone (exit 1)', () => {
    create(root(), 'x', '-l', 'zzkey=zzval');
    corruptIndex(root(), 'volume_labels_key_value', 'zzval', 'zzvbl');
    const found = check(root(), true, 1);
    assert.ok(found.length > 0 && found.every((f) => f.Kind === 'db-integrity' && f.Outcome === 'remains'), JSON.stringify(found));
    assert.match(found[0]!.Repair, /^none: restore vol\.db from a backup/);
  });

  test('--format TEMPLATE prints one line per finding; a bad flag is exit 125', () => {
    create(root(), 'gone');
    rmdirSync(dataDir(root(), 'gone'));
    const r = vol(root(), ['check', '--format', '{{.Kind}}|{{.Volume}}|{{.Repair}}']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, 'data-missing|gone|make an empty _data, owned as the volume says\n');
    const bad = vol(root(), ['check', '--bogus']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: unknown flag: --bogus\. See 'vol check --help'\n$/);
  });
});
