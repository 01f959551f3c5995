import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { childEnv, makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { assertInside, snapshot } from '../helpers/racer.ts';
import { assertFails, assertOk, create, lsNames } from './support.ts';

let base = '';
let root = '';
let canary = '';

beforeEach(() => {
  base = makeTemp('vol-e2e-contain-');
  root = join(base, 'root');
  canary = join(base, 'canary');
  mkdirSync(join(canary, '_data', 'sub'), { recursive: true });
  writeFileSync(join(canary, 'keep.txt'), 'CANARY-SECRET keep\n');
  writeFileSync(join(canary, '_data', 'inner.txt'), 'CANARY-SECRET inner\n');
  writeFileSync(join(canary, '_data', 'sub', 'deep.txt'), 'CANARY-SECRET deep\n');
});
afterEach(() => removeTemp(base));

const data = (name: string) => join(root, 'volumes', name, '_data');

function tar(args: string[], cwd?: string): void {
  const r = spawnSync('tar', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('paths come from the layout, never from the database', () => {
  it('a row whose mountpoint points elsewhere is refused by rm, rm -a, prune, export and import, naming both paths', () => {
    const before = snapshot(canary);
    create(root, 'b');
    writeFileSync(join(data('b'), 'mine'), 'x');
    const db = new Database(join(root, 'vol.db'));
    db.prepare('UPDATE volumes SET mountpoint = ? WHERE name = ?').run(join(canary, '_data'), 'b');
    db.close();
    const phrases = [join(canary, '_data'), data('b')];
    assertFails(vol(root, ['rm', 'b']), 125, phrases);
    assertFails(vol(root, ['rm', '-f', 'b']), 125, phrases);
    assertFails(vol(root, ['rm', '-a']), 125, phrases);
    const prune = vol(root, ['prune', '-f']);
    assert.equal(prune.code, 125);
    assert.ok(prune.stderr.includes(data('b')), prune.stderr);
    assertFails(vol(root, ['export', '-o', join(base, 'out.tar'), 'b']), 125, phrases);
    assert.equal(existsSync(join(base, 'out.tar')), false, 'export left its output file');
    tar(['-cf', join(base, 'in.tar'), '-C', base, 'canary']);
    assertFails(vol(root, ['import', 'b', join(base, 'in.tar')]), 125, phrases);
    assert.deepEqual(snapshot(canary), before);
    assert.deepEqual(lsNames(root), ['b']);
    assert.equal(readFileSync(join(data('b'), 'mine'), 'utf8'), 'x');
  });

  it('a volume directory replaced by a symlink is refused by rm, export and import, and nothing is deleted', () => {
    const before = snapshot(canary);
    create(root, 's5');
    const volDir = join(root, 'volumes', 's5');
    assertInside(base, volDir);
    rmSync(volDir, { recursive: true });
    symlinkSync(canary, volDir);
    const link = /s5 is not a directory \(it is a symbolic link\)/;
    tar(['-cf', join(base, 'in.tar'), '-C', join(canary, '_data'), '.']);
    assertFails(vol(root, ['import', 's5', join(base, 'in.tar')]), 125, [link]);
    assertFails(vol(root, ['export', '-o', join(base, 'out.tar'), 's5']), 125, [link]);
    assertFails(vol(root, ['rm', 's5']), 125, [link]);
    assert.deepEqual(snapshot(canary), before);
    assert.ok(lstatSync(volDir).isSymbolicLink());
    assert.deepEqual(lsNames(root), ['s5'], 'a refused rm must leave the volume listed');
  });

  it('a volumes directory that is a symlink is refused', () => {
    const before = snapshot(canary);
    mkdirSync(root);
    symlinkSync(canary, join(root, 'volumes'));
    assertFails(vol(root, ['create', 'v']), 125, [/volumes is not a directory \(it is a symbolic link\)/]);
    assert.deepEqual(snapshot(canary), before);
    assert.deepEqual(lsNames(root), []);
  });
});

describe('import owners and modes', () => {
  function setuidArchive(): string {
    const src = join(base, 'src');
    mkdirSync(join(src, 'bin'), { recursive: true });
    writeFileSync(join(src, 'bin', 'sh'), '#!/bin/sh\n');
    chmodSync(join(src, 'bin', 'sh'), 0o6755);
    chmodSync(join(src, 'bin'), 0o2755);
    const out = join(base, 'suid.tar');
    tar(['-cf', out, '--owner=0', '--group=0', '-C', src, 'bin']);
    return out;
  }

  it('into a volume given to a uid, every entry gets that owner and loses its setuid/setgid bits', () => {
    const archive = setuidArchive();
    create(root, 'u', '-o', 'o=uid=1500,gid=1600');
    assertOk(vol(root, ['import', 'u', archive]));
    for (const [path, mode] of [['bin', 0o755], ['bin/sh', 0o755]] as const) {
      const st = statSync(join(data('u'), path));
      assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [1500, 1600, mode.toString(8)], path);
    }
  });

  it('a root-owned volume keeps the archive owners and set-id bits, as podman does', () => {
    const archive = setuidArchive();
    create(root, 'r');
    assertOk(vol(root, ['import', 'r', archive]));
    const st = statSync(join(data('r'), 'bin', 'sh'));
    assert.deepEqual([st.uid, (st.mode & 0o7777).toString(8)], [0, '6755']);
  });
});

describe('sparse archive entries are restored with their holes', () => {
  const formats: [string, string[]][] = [
    ['GNU (old sparse)', ['--format=gnu']],
    ['PAX 0.0', ['--format=posix', '--sparse-version=0.0']],
    ['PAX 0.1', ['--format=posix', '--sparse-version=0.1']],
    ['PAX 1.0', ['--format=posix', '--sparse-version=1.0']],
  ];
  /** Writes `text` into `file` at `offset`, keeping its size. */
  function poke(file: string, offset: number, text: string): void {
    const w = spawnSync('dd', [`of=${file}`, 'bs=1', `seek=${offset}`, 'conv=notrunc', 'status=none'], { input: text });
    assert.equal(w.status, 0, String(w.stderr));
  }
  for (const [what, flags] of formats) {
    it(what, () => {
      const src = join(base, 'src');
      mkdirSync(src);
      // One piece and a trailing hole; 30 pieces (old GNU needs extension blocks); data at the very end.
      spawnSync('truncate', ['-s', '8M', join(src, 'holes'), join(src, 'many'), join(src, 'tail')]);
      poke(join(src, 'holes'), 4 << 20, 'middle');
      for (let i = 0; i < 30; i++) poke(join(src, 'many'), i * 65536 * 4, `piece ${i}`);
      poke(join(src, 'tail'), (8 << 20) - 4, 'end!');
      writeFileSync(join(src, 'plain'), 'after the sparse ones\n');
      const archive = join(base, 'sparse.tar');
      tar(['-cf', archive, '--sparse', ...flags, '-C', src, 'holes', 'many', 'tail', 'plain']);
      create(root, 'sp');
      assertOk(vol(root, ['import', 'sp', archive]));
      assert.deepEqual(readdirSync(data('sp')).sort(), ['holes', 'many', 'plain', 'tail'], 'no GNUSparseFile junk');
      for (const name of ['holes', 'many', 'tail', 'plain']) {
        assert.ok(readFileSync(join(data('sp'), name)).equals(readFileSync(join(src, name))), `${name} differs`);
      }
      for (const name of ['holes', 'many']) {
        const st = statSync(join(data('sp'), name));
        assert.ok(st.blocks * 512 < 1 << 20, `${name} takes ${st.blocks * 512} bytes on disk: its holes were filled`);
      }
    });
  }

  it('a sparse entry cut short stops the import, naming it, and leaves nothing', () => {
    const src = join(base, 'src');
    mkdirSync(src);
    spawnSync('truncate', ['-s', '8M', join(src, 'holes')]);
    poke(join(src, 'holes'), 4 << 20, 'x'.repeat(8192));
    const archive = join(base, 'sparse.tar');
    tar(['-cf', archive, '--sparse', '--format=posix', '-C', src, 'holes']);
    const bytes = readFileSync(archive);
    writeFileSync(archive, bytes.subarray(0, bytes.indexOf('xxxx') + 100));
    create(root, 'sp');
    assertFails(vol(root, ['import', 'sp', archive]), 125, ['"holes"']);
    assert.deepEqual(readdirSync(data('sp')), []);
  });
});

describe('mount(8) arguments', () => {
  it('a device beginning with "-" is refused at create', () => {
    assertFails(vol(root, ['create', '-o', 'type=tmpfs', '-o', 'device=-V', 'v']), 125, ['"-V"', 'must not begin with "-"']);
    assert.deepEqual(lsNames(root), []);
  });

  it('a relative bind device is refused at create', () => {
    mkdirSync(join(base, 'data'));
    const r = spawnSync(join(import.meta.dirname, '..', '..', 'bin', 'vol'), ['--root', root, 'create', '-o', 'type=bind', '-o', 'device=data', 'v'], {
      cwd: base,
      encoding: 'utf8',
      env: childEnv(),
    });
    assertFails({ code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }, 125, ['absolute path', '"data"']);
    assert.deepEqual(lsNames(root), []);
  });

  it('a mount(8) that exits 0 without mounting anything is an error, and the count stays 0', () => {
    const fakeBin = join(base, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'mount'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    create(root, 't', '-o', 'type=tmpfs');
    const r = vol(root, ['mount', 't'], { env: { PATH: `${fakeBin}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
    assertFails(r, 125, ['nothing is mounted at', data('t')]);
    const count = vol(root, ['inspect', '--format', '{{.MountCount}}', 't']);
    assertOk(count, '0\n');
  });
});

describe('a volume path on tmpfs', () => {
  it('refuses size= and inodes= like ext4, and info says limits are not supported there', (t) => {
    if (process.getuid?.() !== 0) return void t.skip('needs root to mount a tmpfs');
    const mnt = join(base, 'tmpfs');
    mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    try {
      const r2 = join(mnt, 'root');
      assertFails(vol(r2, ['create', '-o', 'size=1m', 'v']), 125, ['not supported', 'tmpfs']);
      assertFails(vol(r2, ['create', '-o', 'inodes=100', 'v']), 125, ['not supported', 'tmpfs']);
      assert.deepEqual(lsNames(r2), []);
      const info = vol(r2, ['info', '--format', '{{.Filesystem}} {{.QuotaBackend}} {{.QuotaStatus}}']);
      assert.equal(info.code, 0, info.stderr);
      assert.match(info.stdout, /^tmpfs none size limits are not supported here/);
      // A type=tmpfs volume still enforces its own size.
      assertOk(vol(r2, ['create', '-o', 'type=tmpfs', '-o', 'size=1m', 'w']), 'w\n');
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
