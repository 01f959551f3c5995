import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync, existsSync, linkSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync,
  symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { Header, type HeaderData } from 'tar';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN, type VolRun } from '../helpers/vol.ts';
import { assertFails, assertOk, create } from './support.ts';

const asRoot = process.getuid?.() === 0;
let root: string;
let outside: string;
beforeEach(() => {
  root = makeTemp('vol-e2e-');
  outside = makeTemp('vol-outside-');
  writeFileSync(join(outside, 'secret'), 'secret');
});
afterEach(() => {
  // Whatever a failed assertion left mounted is detached before the root goes.
  spawnSync('sh', ['-c', `grep -o ' ${root}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount`]);
  removeTemp(root);
  removeTemp(outside);
});

const data = (name: string, ...rest: string[]) => join(root, 'volumes', name, '_data', ...rest);

/** Runs vol with binary stdin/stdout (the `vol()` helper decodes stdout as utf8). */
function volBytes(args: readonly string[], input: Buffer = Buffer.alloc(0)): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(VOL_BIN, ['--root', root, ...args], { input, maxBuffer: 64 << 20, env: childEnv() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

const asRun = (r: ReturnType<typeof volBytes>): VolRun => ({ code: r.code, signal: null, stdout: r.stdout.toString('latin1'), stderr: r.stderr });

/** A tar made by hand, header by header, so that it can hold what no tar tool writes. */
function tarOf(...entries: [HeaderData, string?][]): Buffer {
  const blocks = entries.map(([h, body = '']) => {
    const block = Buffer.alloc(512);
    new Header({ mode: 0o644, uid: 0, gid: 0, mtime: new Date(1_000_000_000_000), type: 'File', size: body.length, ...h }).encode(block, 0);
    return Buffer.concat([block, Buffer.from(body), Buffer.alloc((512 - (body.length % 512)) % 512)]);
  });
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}

/** Every path below `dir` with its mode, owner, mtime (seconds), link count and content or target. */
function describeTree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = join(rel, name);
    const st = lstatSync(join(dir, path));
    const what = st.isSymbolicLink() ? `-> ${readlinkSync(join(dir, path))}` : st.isFile() ? readFileSync(join(dir, path), 'utf8') : 'dir';
    out.push(`${path} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${Math.floor(st.mtimeMs / 1000)} n${st.isDirectory() ? '' : st.nlink} ${what}`);
    if (st.isDirectory()) out.push(...describeTree(dir, path));
  }
  return out;
}

/** Fills a volume with what a round trip must keep. */
function populate(dir: string): void {
  const t = (s: string) => new Date(s);
  mkdirSync(join(dir, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'test'), 'hello\n', { mode: 0o600 });
  writeFileSync(join(dir, 'sub', 'f'), 'f\n');
  writeFileSync(join(dir, 'sub', 'deep', 'g'), 'g\n', { mode: 0o755 });
  linkSync(join(dir, 'test'), join(dir, 'hard'));
  symlinkSync('sub/f', join(dir, 'lnk'));
  symlinkSync('lnk', join(dir, 'lnk2'));
  symlinkSync('/etc/hostname', join(dir, 'abs'));
  if (asRoot) {
    chownSync(join(dir, 'sub', 'f'), 1234, 5678);
    chownSync(join(dir, 'sub', 'deep'), 1234, 5678);
  }
  utimesSync(join(dir, 'test'), t('2001-02-03T04:05:06Z'), t('2001-02-03T04:05:06Z'));
  utimesSync(join(dir, 'sub', 'f'), t('2002-01-01T00:00:00Z'), t('2002-01-01T00:00:00Z'));
  lutimesSync(join(dir, 'lnk'), t('2003-01-01T00:00:00Z'), t('2003-01-01T00:00:00Z'));
  utimesSync(join(dir, 'sub', 'deep'), t('2004-01-01T00:00:00Z'), t('2004-01-01T00:00:00Z'));
  execFileSync('chmod', ['0750', join(dir, 'sub')]);
  utimesSync(join(dir, 'sub'), t('2005-01-01T00:00:00Z'), t('2005-01-01T00:00:00Z'));
}

const EXPECTED_ENTRIES = ['abs', 'hard', 'lnk', 'lnk2', 'sub/', 'sub/deep/', 'sub/deep/g', 'sub/f', 'test'];

test('export -o FILE then import FILE copies files, dirs, links, modes, owners and mtimes; entries are relative', () => {
  create(root, 'src');
  create(root, 'dst');
  populate(data('src'));
  const file = join(outside, 'src.tar');
  assertOk(vol(root, ['export', 'src', '-o', file]), '');
  assert.deepEqual(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n').sort(), EXPECTED_ENTRIES);
  assertOk(vol(root, ['import', 'dst', file]), '');
  assert.deepEqual(describeTree(data('dst')), describeTree(data('src')));
  assert.match(describeTree(data('dst')).join('\n'), /^sub 750 0:0 1104537600 n dir$/m);
  if (asRoot) assert.ok(describeTree(data('dst')).includes('sub/f 644 1234:5678 1009843200 n1 f\n'));
});

test('export to stdout and import from stdin (-) round-trip the same tree', () => {
  create(root, 'src');
  create(root, 'dst');
  populate(data('src'));
  const out = volBytes(['export', 'src']);
  assert.deepEqual([out.code, out.stderr], [0, '']);
  assert.deepEqual(execFileSync('tar', ['-tf', '-'], { input: out.stdout, encoding: 'utf8' }).trim().split('\n').sort(), EXPECTED_ENTRIES);
  const imp = volBytes(['import', 'dst', '-'], out.stdout);
  assertOk(asRun(imp), '');
  assert.deepEqual(describeTree(data('dst')), describeTree(data('src')));
});

test('import overwrites what the archive holds, keeps the rest, and takes a unique prefix', () => {
  create(root, 'target');
  writeFileSync(data('target', 'keep'), 'kept');
  writeFileSync(data('target', 'f'), 'old');
  assertOk(asRun(volBytes(['import', 'tar', '-'], tarOf([{ path: 'f' }, 'new'], [{ path: 'd/', type: 'Directory', mode: 0o755 }]))));
  assert.equal(readFileSync(data('target', 'f'), 'utf8'), 'new');
  assert.equal(readFileSync(data('target', 'keep'), 'utf8'), 'kept');
  assert.equal(lstatSync(data('target', 'd')).isDirectory(), true);
});

test('an empty volume exports to an empty tar that imports cleanly', () => {
  create(root, 'e');
  const out = volBytes(['export', 'e']);
  assert.deepEqual([out.code, out.stdout.length, out.stdout.every((b) => b === 0)], [0, 1024, true]);
  assertOk(asRun(volBytes(['import', 'e', '-'], out.stdout)), '');
});

test('FIFOs are left out of an export and out of an import, with a warning', () => {
  create(root, 'v');
  execFileSync('mkfifo', [data('v', 'pipe')]);
  writeFileSync(data('v', 'f'), 'f');
  const out = volBytes(['export', 'v']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /leaves out pipe/);
  assert.equal(execFileSync('tar', ['-tf', '-'], { input: out.stdout, encoding: 'utf8' }), 'f\n');
  const imp = asRun(volBytes(['import', 'v', '-'], tarOf([{ path: 'fifo2', type: 'FIFO' }], [{ path: 'g' }, 'g'])));
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stderr, /leaves out fifo2 \(FIFO\)/);
  assert.deepEqual(readdirSync(data('v')).sort(), ['f', 'g', 'pipe']);
});

test('export of a missing volume exits 125 and creates no output file; --output "" exits 125', () => {
  const file = join(outside, 'never.tar');
  assertFails(vol(root, ['export', 'nope', '-o', file]), 125, ['no such volume nope']);
  assert.equal(existsSync(file), false);
  assertFails(vol(root, ['export', 'nope']), 125, ['no such volume nope']);
  create(root, 'v');
  assertFails(vol(root, ['export', 'v', '--output', '']), 125, ['--output']);
  assertFails(vol(root, ['export', 'v', '-o', join(outside, 'no-dir', 'x.tar')]), 125, ['no such file or directory']);
});

test('wrong argument counts exit 125', () => {
  create(root, 'v');
  for (const args of [['export'], ['export', 'v', 'w'], ['import'], ['import', 'v'], ['import', 'v', 'a', 'b']]) {
    const r = vol(root, args);
    assert.equal(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^Error: /);
    assert.equal(r.stdout, '');
  }
});

test('import of a missing volume or a missing file exits 125 with the contract phrase', () => {
  assertFails(vol(root, ['import', 'nope', join(outside, 'secret')]), 125, ['no such volume nope']);
  assertFails(vol(root, ['import', 'nope', join(outside, 'missing.tar')]), 125, ['no such volume nope']);
  create(root, 'v');
  assertFails(vol(root, ['import', 'v', join(outside, 'missing.tar')]), 125, ['no such file or directory']);
  assertFails(vol(root, ['import', 'v', join(outside, 'secret')]), 125, ['invalid tar archive']);
});

/** `describeTree` without link counts (unlinking a planted hard link lowers the outside file's). */
const contentsOf = (dir: string) => describeTree(dir).map((l) => l.replace(/ n\d* /, ' '));

/** Imports `archive` into a fresh volume `v`; asserts the outside directory did not change. */
function importHostile(archive: Buffer, setup?: () => void): VolRun {
  create(root, 'v');
  setup?.();
  const before = contentsOf(outside);
  const r = asRun(volBytes(['import', 'v', '-'], archive));
  assert.deepEqual(contentsOf(outside), before, 'nothing outside the volume may change');
  assert.deepEqual(readdirSync(join(root, 'volumes', 'v')), ['_data'], 'nothing next to _data either');
  return r;
}

for (const bad of ['../x', 'sub/../../x', '../../../../../../x', '/../x']) {
  test(`an entry named ${bad} is refused: exit 125 naming it, and the import stops there`, () => {
    const r = importHostile(tarOf([{ path: 'before' }, 'b'], [{ path: bad }, 'evil'], [{ path: 'after' }, 'a']));
    assertFails(r, 125, [`refusing archive entry ${JSON.stringify(bad)}: it leads outside the volume`, 'the entry before it was imported']);
    assert.deepEqual(readdirSync(data('v')), ['before']);
  });
}

test('a .. that stays inside the volume is resolved, as tar does', () => {
  assertOk(importHostile(tarOf([{ path: 'a/../b' }, 'b'])), '');
  assert.deepEqual(readdirSync(data('v')), ['b']);
});

test('absolute entry names land inside the volume', () => {
  assertOk(importHostile(tarOf([{ path: join(outside, 'file') }, 'abs'])), '');
  assert.equal(readFileSync(data('v', outside, 'file'), 'utf8'), 'abs');
});

test('an archive symlink to an outside directory is kept, and an entry through it stays inside the volume', () => {
  const archive = tarOf([{ path: 'lnk', type: 'SymbolicLink', linkpath: outside }], [{ path: 'lnk/file' }, 'evil'], [{ path: 'lnk/secret' }, 'evil']);
  assertOk(importHostile(archive), '');
  assert.equal(readlinkSync(data('v', 'lnk')), outside);
  // As if chrooted into _data: `lnk/file` is `<outside>/file` inside the volume.
  assert.equal(readFileSync(data('v', outside, 'file'), 'utf8'), 'evil');
  assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'secret');
});

test('a relative symlink climbing out of the volume is clamped at its root when followed', () => {
  const archive = tarOf([{ path: 'up', type: 'SymbolicLink', linkpath: '../../../../../..' }], [{ path: 'up/x' }, 'x']);
  assertOk(importHostile(archive), '');
  assert.equal(readFileSync(data('v', 'x'), 'utf8'), 'x');
});

test('a hard link to a file outside the volume is refused and links nothing', () => {
  for (const linkpath of [join(outside, 'secret'), '../../../../../../..' + join(outside, 'secret')]) {
    const r = importHostile(tarOf([{ path: 'hl', type: 'Link', linkpath }]));
    assertFails(r, 125, [`refusing archive entry "hl": its link target ${JSON.stringify(linkpath)} is not a file in the volume`, 'nothing was imported']);
    assert.equal(lstatSync(join(outside, 'secret')).nlink, 1);
    assert.equal(existsSync(data('v', 'hl')), false);
    vol(root, ['rm', 'v']);
  }
});

test('symlinks planted in the volume before the import are never followed out of it', () => {
  const planted = () => {
    symlinkSync(outside, data('v', 'dirlink'));
    symlinkSync(join(outside, 'secret'), data('v', 'filelink'));
    linkSync(join(outside, 'secret'), data('v', 'hardlink'));
  };
  const archive = tarOf([{ path: 'dirlink/secret' }, 'evil'], [{ path: 'filelink' }, 'evil'], [{ path: 'hardlink' }, 'evil']);
  const before = readFileSync(join(outside, 'secret'), 'utf8');
  const r = importHostile(archive, planted);
  assertOk(r, '');
  assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), before);
  assert.equal(readFileSync(data('v', outside, 'secret'), 'utf8'), 'evil');
  assert.equal(lstatSync(data('v', 'filelink')).isFile(), true);
  assert.equal(readFileSync(data('v', 'hardlink'), 'utf8'), 'evil');
});

test('a _data replaced by a symlink is refused for import and export', () => {
  create(root, 'v');
  renameSync(data('v'), join(root, 'volumes', 'v', 'moved'));
  symlinkSync(outside, data('v'));
  const before = describeTree(outside);
  assertFails(asRun(volBytes(['import', 'v', '-'], tarOf([{ path: 'x' }, 'x']))), 125, ['is not a directory']);
  assertFails(vol(root, ['export', 'v', '-o', join(root, 'out.tar')]), 125, ['is not a directory']);
  assert.deepEqual(describeTree(outside), before);
  assert.equal(existsSync(join(root, 'out.tar')), false, 'a failed export removes its partial file');
});

test('a bind volume must be mounted for export and import', { skip: !asRoot && 'mounting needs root' }, () => {
  const src = makeTemp('vol-bindsrc-');
  try {
    writeFileSync(join(src, 'inbind'), 'b');
    create(root, 'b', '-o', 'type=bind', '-o', `device=${src}`);
    const file = join(outside, 'b.tar');
    assertFails(vol(root, ['export', 'b', '-o', file]), 125, ['is not mounted']);
    assert.equal(existsSync(file), false);
    assertFails(asRun(volBytes(['import', 'b', '-'], tarOf([{ path: 'new' }, 'n']))), 125, ['is not mounted']);
    assert.deepEqual(readdirSync(src), ['inbind']);
    assertOk(vol(root, ['mount', 'b']));
    assertOk(vol(root, ['export', 'b', '-o', file]), '');
    assert.equal(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }), 'inbind\n');
    assertOk(asRun(volBytes(['import', 'b', '-'], tarOf([{ path: 'new' }, 'n']))), '');
    assert.deepEqual(readdirSync(src).sort(), ['inbind', 'new']);
    assertOk(vol(root, ['unmount', 'b']));
  } finally {
    spawnSync('umount', [data('b')]);
    removeTemp(src);
  }
});
