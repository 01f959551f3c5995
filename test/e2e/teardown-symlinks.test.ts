import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { assertRootEmpty, dataDir, lines, lsNames } from '../helpers/e2e.ts';
import { makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';

/** A directory outside the root with files a wrong teardown would delete. */
function makeOutside(): string {
  const dir = makeTemp('vol-e2e-outside-');
  writeFileSync(join(dir, 'keep.txt'), 'precious\n');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'inner.txt'), 'also precious\n');
  return dir;
}

/** Every path below `dir` with its content (files) or link target (links), to compare before and after. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isDirectory()) {
        out.push(`${rel}/`);
        walk(p);
      } else if (e.isSymbolicLink()) out.push(`${rel} -> link`);
      else out.push(`${rel}: ${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return out.sort();
}

async function withDirs(fn: (root: string, outside: string) => Promise<void>): Promise<void> {
  const root = makeTemp('vol-e2e-teardown-');
  const outside = makeOutside();
  try {
    await fn(root, outside);
  } finally {
    removeTemp(root);
    removeTemp(outside);
  }
}

async function create(root: string, name: string): Promise<string> {
  const r = await volAsync(root, ['create', name]);
  assert.equal(r.code, 0, r.stderr);
  return dataDir(root, name);
}

async function rmExpectRemoved(root: string, args: string[], names: string[]): Promise<void> {
  const r = await volAsync(root, ['rm', ...args]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(lines(r.stdout).sort(), [...names].sort());
  for (const name of names) assert.equal(existsSync(join(root, 'volumes', name)), false, `${name} still on disk`);
}

describe('rm never follows symlinks', () => {
  it('a link inside _data to a directory outside the root is removed as a link', () =>
    withDirs(async (root, outside) => {
      const before = snapshot(outside);
      const data = await create(root, 'linked');
      symlinkSync(outside, join(data, 'escape'));
      writeFileSync(join(data, 'own.txt'), 'mine');
      await rmExpectRemoved(root, ['linked'], ['linked']);
      assert.deepEqual(snapshot(outside), before);
      await assertRootEmpty(root);
    }));

  it('_data itself replaced by a link: the volume directory goes, the target stays', () =>
    withDirs(async (root, outside) => {
      const before = snapshot(outside);
      const data = await create(root, 'swapped');
      rmdirSync(data);
      symlinkSync(outside, data);
      assert.ok(lstatSync(data).isSymbolicLink());
      await rmExpectRemoved(root, ['swapped'], ['swapped']);
      assert.deepEqual(snapshot(outside), before);
      await assertRootEmpty(root);
    }));

  it('links in a nested subdirectory, to a file, relative and dangling links', () =>
    withDirs(async (root, outside) => {
      const before = snapshot(outside);
      const data = await create(root, 'nested');
      const deep = join(data, 'a', 'b', 'c');
      mkdirSync(deep, { recursive: true });
      writeFileSync(join(deep, 'own.txt'), 'mine');
      symlinkSync(outside, join(deep, 'dir-link'));
      symlinkSync(join(outside, 'keep.txt'), join(deep, 'file-link'));
      symlinkSync(join(outside, 'sub', 'inner.txt'), join(data, 'top-file-link'));
      // Relative link from `_data/a` up to the root itself: following it would delete the state.
      symlinkSync('../../../..', join(data, 'a', 'up-to-root'));
      symlinkSync(join(outside, 'missing'), join(data, 'a', 'dangling'));
      await rmExpectRemoved(root, ['nested'], ['nested']);
      assert.deepEqual(snapshot(outside), before);
      assert.ok(existsSync(join(root, 'vol.db')), 'the state database was deleted through a link');
      await assertRootEmpty(root);
    }));

  it('rm -a over volumes holding such links removes them all and leaves every target', () =>
    withDirs(async (root, outside) => {
      const before = snapshot(outside);
      const names = ['la', 'lb', 'lc', 'plain'];
      const data = await Promise.all(names.map((n) => create(root, n)));
      symlinkSync(outside, join(data[0]!, 'escape'));
      rmdirSync(data[1]!);
      symlinkSync(join(outside, 'sub'), data[1]!);
      mkdirSync(join(data[2]!, 'x', 'y'), { recursive: true });
      symlinkSync(join(outside, 'keep.txt'), join(data[2]!, 'x', 'y', 'file-link'));
      await rmExpectRemoved(root, ['-a'], names);
      assert.deepEqual(snapshot(outside), before);
      await assertRootEmpty(root);
    }));
});

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Unmounts `path` if something is mounted there; lazily if a plain unmount fails. */
function unmountIfMounted(path: string): void {
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
  if (!mounted) return;
  if (spawnSync('umount', [path]).status !== 0) spawnSync('umount', ['-l', path]);
}

describe('rm never crosses into another file system', () => {
  it('a tmpfs mounted inside _data: rm refuses, names the path, and deletes nothing inside it', async () => {
    const root = makeTemp('vol-e2e-teardown-');
    const data = dataDir(root, 'mounted');
    const mnt = join(data, 'cache');
    try {
      await create(root, 'mounted');
      assert.equal((await volAsync(root, ['create', 'bystander'])).code, 0);
      mkdirSync(mnt);
      run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
      writeFileSync(join(mnt, 'precious.txt'), 'in tmpfs\n');
      mkdirSync(join(mnt, 'dir'));
      writeFileSync(join(mnt, 'dir', 'deeper.txt'), 'deeper\n');
      const inside = snapshot(mnt);

      const r = await volAsync(root, ['rm', 'mounted']);
      assert.equal(r.code, 125, `rm exited ${r.code}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      const errLine = r.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
      assert.ok(errLine.includes(mnt), `error does not name ${mnt}: ${r.stderr}`);
      assert.match(errLine, /another file system is mounted/);
      assert.deepEqual(snapshot(mnt), inside);

      // rm -a refuses the mounted one the same way and still removes the others.
      const all = await volAsync(root, ['rm', '-a']);
      assert.equal(all.code, 125, all.stderr);
      assert.deepEqual(lines(all.stdout), ['bystander']);
      assert.match(all.stderr, /another file system is mounted/);
      assert.deepEqual(snapshot(mnt), inside);

      // Once unmounted, the volume can be removed by name.
      unmountIfMounted(mnt);
      const again = await volAsync(root, ['rm', 'mounted']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, 'mounted\n');
      assert.deepEqual(await lsNames(root), []);
      await assertRootEmpty(root);
    } finally {
      unmountIfMounted(mnt);
      removeTemp(root);
    }
  });
});

describe('a refused rm changes nothing visible', () => {
  it('after rm refuses because of a mount, the volume is still listed and inspectable', async () => {
    const root = makeTemp('vol-e2e-teardown-');
    const mnt = join(dataDir(root, 'kept'), 'cache');
    try {
      await create(root, 'kept');
      mkdirSync(mnt);
      run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
      const r = await volAsync(root, ['rm', 'kept']);
      assert.equal(r.code, 125, r.stderr);
      // podman keeps a volume whose storage could not be torn down; a refusal must not hide it.
      assert.deepEqual(await lsNames(root), ['kept']);
      const inspect = await volAsync(root, ['inspect', '--format', '{{.Name}}', 'kept']);
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.equal(inspect.stdout, 'kept\n');
    } finally {
      unmountIfMounted(mnt);
      removeTemp(root);
    }
  });
});
