import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { dataDir } from '../helpers/e2e.ts';
import { makeLoopFs, requireTool } from '../helpers/loopfs.ts';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { assertOk, create } from './support.ts';

let tempRoot = '';
const root = () => tempRoot;
beforeEach(() => {
  tempRoot = makeTemp('vol-e2e-df-');
});
afterEach(() => {
  // Mounts inside the root are detached (deepest first) before the root is removed, so removal never descends into them.
  spawnSync('sh', ['-c', `grep -o ' ${tempRoot}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount`]);
  removeTemp(tempRoot);
});

interface DfRow {
  VolumeName: string;
  Links: number;
  Size: string;
  RawSize: number | null;
  Source: string;
  Reclaimable: boolean;
}

function dfSummary(warned = false): Record<string, unknown> {
  const r = vol(root(), ['df', '--format', 'json']);
  if (!warned) assertOk(r);
  const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.equal(rows.length, 1);
  return rows[0]!;
}

function dfVolumes(): Map<string, DfRow> {
  const r = vol(root(), ['df', '-v', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as DfRow[]).map((row) => [row.VolumeName, row]));
}

/** A directory inside the test's root, outside every volume, holding `bytes` that must never be counted. */
function canary(bytes: number): string {
  const dir = join(root(), 'canary');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'big'), Buffer.alloc(bytes));
  return dir;
}

function mount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `mount ${args.join(' ')}: ${r.stderr}`);
}

describe('vol df', () => {
  test('counts, active volumes, total size and what prune would reclaim, in Podman\'s table', () => {
    create(root(), 'a');
    create(root(), 'b');
    create(root(), 'held');
    mkdirSync(join(dataDir(root(), 'a'), 'sub'));
    writeFileSync(join(dataDir(root(), 'a'), 'f'), Buffer.alloc(1000));
    writeFileSync(join(dataDir(root(), 'a'), 'sub', 'g'), Buffer.alloc(2345));
    writeFileSync(join(dataDir(root(), 'held'), 'h'), Buffer.alloc(500));
    assertOk(vol(root(), ['mount', '--holder', 'job-1', 'held']));
    assert.deepEqual(dfSummary(), {
      Type: 'Local Volumes', Total: 3, Active: 1, Size: '3.845kB', RawSize: 3845, Reclaimable: '3.345kB (87%)', RawReclaimable: 3345, Walked: 3, FromQuota: 0, Unknown: 0,
    });
    assertOk(vol(root(), ['df']), 'TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE\nLocal Volumes  3           1           3.845kB     3.345kB (87%)\n');
    assertOk(vol(root(), ['system', 'df', '-v']), [
      'Local Volumes space usage:', '', 'VOLUME NAME  LINKS       SIZE        SOURCE', 'a            0           3.345kB     walk', 'b            0           0B          walk', 'held         1           500B        walk', '',
    ].join('\n'));
    assertOk(vol(root(), ['df', '--format', '{{.Total}} {{.Active}} {{.RawReclaimable}}']), '3 1 3345\n');
    assertOk(vol(root(), ['df', '-v', '--format', 'table {{.VolumeName}}\\t{{.Source}}']), 'VOLUME NAME  SOURCE\na            walk\nb            walk\nheld         walk\n');
  });

  test('an empty root reports zeros and is not created', () => {
    const fresh = join(root(), 'never');
    assertOk(vol(fresh, ['df']), 'TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE\nLocal Volumes  0           0           0B          0B (0%)\n');
    assert.equal(spawnSync('test', ['-e', fresh]).status, 1);
  });

  test('the walk never follows a symlink and counts a hard-linked file once', () => {
    create(root(), 'v');
    const data = dataDir(root(), 'v');
    const outside = canary(1_000_000);
    symlinkSync(outside, join(data, 'dir-link'));
    symlinkSync(join(outside, 'big'), join(data, 'file-link'));
    writeFileSync(join(data, 'f'), Buffer.alloc(4000));
    linkSync(join(data, 'f'), join(data, 'f2'));
    const links = readlinkSync(join(data, 'dir-link')).length + readlinkSync(join(data, 'file-link')).length;
    const row = dfVolumes().get('v')!;
    assert.deepEqual([row.RawSize, row.Source], [4000 + links, 'walk']);
  });

  test('the walk never enters another mount: a tmpfs or a bind mount inside _data is left out', () => {
    create(root(), 'v');
    const data = dataDir(root(), 'v');
    writeFileSync(join(data, 'own'), Buffer.alloc(700));
    mkdirSync(join(data, 'tmp'));
    mount(['-t', 'tmpfs', 'tmpfs', join(data, 'tmp')]);
    writeFileSync(join(data, 'tmp', 'x'), Buffer.alloc(50_000));
    const outside = canary(80_000);
    mkdirSync(join(data, 'bind'));
    mount(['--bind', outside, join(data, 'bind')]);
    assert.equal(dfVolumes().get('v')!.RawSize, 700);
  });

  test('a _data replaced by a symlink is not followed: its size is unknown, with a warning', () => {
    create(root(), 'v');
    create(root(), 'ok');
    const outside = canary(90_000);
    const data = dataDir(root(), 'v');
    renameSync(data, join(root(), 'moved-data'));
    symlinkSync(outside, data);
    const r = vol(root(), ['df', '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Warning: volume v: its size could not be measured: [^\n]*\n$/);
    assert.match(r.stdout, /\nv {12}0 {11}unknown {5}unknown\n/);
    assert.equal(dfSummary(true).RawSize, 0);
  });

  test('a volume directory replaced by a symlink is not followed either', () => {
    create(root(), 'v');
    const outside = join(canary(70_000), 'vol');
    mkdirSync(join(outside, '_data'), { recursive: true });
    writeFileSync(join(outside, '_data', 'x'), Buffer.alloc(60_000));
    const dir = join(root(), 'volumes', 'v');
    renameSync(dir, join(root(), 'moved-volume'));
    symlinkSync(outside, dir);
    const r = vol(root(), ['df', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Warning: volume v: its size could not be measured: .* is not a directory\n$/);
    assert.equal((JSON.parse(r.stdout) as { RawSize: number }[])[0]!.RawSize, 0);
  });

  test('a tmpfs volume takes its size from quota accounting (statfs of the mounted tmpfs)', () => {
    create(root(), 't', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'size=4M');
    assertOk(vol(root(), ['mount', 't']), dataDir(root(), 't') + '\n');
    writeFileSync(join(dataDir(root(), 't'), 'f'), Buffer.alloc(50 * 4096));
    const row = dfVolumes().get('t')!;
    assert.deepEqual([row.RawSize, row.Source], [50 * 4096, 'quota']);
    assert.equal(dfSummary().FromQuota, 1);
    assertOk(vol(root(), ['unmount', 't']), 't\n');
  });
});

describe('vol df on btrfs', () => {
  test('a size-limited volume takes its size from the qgroup, a plain one is walked', async (t) => {
    if (!requireTool(t, 'mkfs.btrfs', 'btrfs-progs')) return;
    const fs = makeLoopFs('btrfs', 300);
    try {
      execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
      const broot = join(fs.mnt, 'root');
      assertOk(vol(broot, ['create', '--opt', 'size=20M', 'limited']), 'limited\n');
      assertOk(vol(broot, ['create', 'plain']), 'plain\n');
      writeFileSync(join(dataDir(broot, 'limited'), 'f'), Buffer.alloc(2 * 1024 * 1024, 1));
      writeFileSync(join(dataDir(broot, 'plain'), 'f'), Buffer.alloc(3000));
      execFileSync('sync');
      const r = vol(broot, ['df', '-v', '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const rows = new Map((JSON.parse(r.stdout) as DfRow[]).map((row) => [row.VolumeName, row]));
      assert.equal(rows.get('limited')!.Source, 'quota');
      // The qgroup counts blocks and metadata: at least the file, well under the limit.
      assert.ok(rows.get('limited')!.RawSize! >= 2 * 1024 * 1024 && rows.get('limited')!.RawSize! < 4 * 1024 * 1024, String(rows.get('limited')!.RawSize));
      assert.deepEqual([rows.get('plain')!.Source, rows.get('plain')!.RawSize], ['walk', 3000]);
      assertOk(vol(broot, ['rm', '-a']), 'limited\nplain\n');
    } finally {
      fs.dispose();
    }
  });
});
