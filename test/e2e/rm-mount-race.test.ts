import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lsNames, spawnVol, waitFor } from '../helpers/e2e.ts';
import { childEnv, makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';

const POPULATE = resolve(fileURLToPath(import.meta.url), '..', 'boundary-populate.ts');
// Enough volumes that rm -a is still far from the last ones when the mounts are made.
const COUNT = 800;

/** The name boundary-populate.ts gives volume `i`. */
function populatedName(i: number): string {
  return `boundary-${String(i).padStart(6, '0')}-${'x'.repeat(60)}`;
}

/** Every file below `dir` with its content, to compare before and after. */
function contents(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${relative(dir, p)}: ${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return out.sort();
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** Fills `dir` with canary files a removal that crossed into the mount would delete. */
function plantCanaries(dir: string): string[] {
  mkdirSync(join(dir, 'deep'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(dir, `c${i}.txt`), `canary ${i}\n`);
  writeFileSync(join(dir, 'deep', 'inner.txt'), 'inner canary\n');
  return contents(dir);
}

function needsRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  // A CI run must not pass by skipping what it was meant to prove.
  if (process.env.CI === 'true') assert.fail('needs root to bind-mount and mount a tmpfs inside a volume');
  t.skip('needs root to bind-mount and mount a tmpfs inside a volume');
  return false;
}

describe('rm -a and mounts made while it runs', () => {
  it('a mount appearing inside a volume during rm -a is never deleted through; that volume is refused, the rest go', { timeout: 180_000 }, async (t) => {
    if (!needsRoot(t)) return;
    const base = makeTemp('vol-e2e-rmmount-');
    const root = join(base, 'root');
    const canary = join(base, 'canary');
    const mounted: string[] = [];
    try {
      const pop = spawnSync(process.execPath, ['--import', 'tsx', POPULATE, root, String(COUNT)], { encoding: 'utf8', env: childEnv() });
      assert.equal(pop.status, 0, pop.stderr);
      const volDir = (i: number) => join(root, 'volumes', populatedName(i));
      // Three of the last volumes, each with the mount in another place: on _data, below it, and on the volume directory.
      const onData = COUNT - 2;
      const below = COUNT - 1;
      const onVolDir = COUNT;
      mkdirSync(join(volDir(below), '_data', 'sub'));
      const want = plantCanaries(canary);

      const rm = spawnVol(root, ['rm', '-a']);
      await waitFor('rm -a to remove its first volume', () => !existsSync(volDir(1)), 60_000);
      run('mount', ['--bind', canary, join(volDir(onData), '_data')]);
      mounted.push(join(volDir(onData), '_data'));
      run('mount', ['--bind', canary, join(volDir(below), '_data', 'sub')]);
      mounted.push(join(volDir(below), '_data', 'sub'));
      run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', volDir(onVolDir)]);
      mounted.push(volDir(onVolDir));
      const tmpfsWant = plantCanaries(volDir(onVolDir));
      const targets = [onData, below, onVolDir].map(populatedName);
      // The mounts were made while rm -a was still running, before it reached these volumes.
      assert.ok(targets.every((n) => existsSync(join(root, 'volumes', n))));
      assert.equal(rm.child.exitCode, null, 'rm -a finished before the mounts were made: the test proved nothing');

      const r = await rm.done;
      assert.notEqual(r.code, 0, 'rm -a reported success though three volumes could not be removed');
      for (const name of targets) assert.match(r.stderr, new RegExp(`^Error: .*${name}.*mounted`, 'm'), r.stderr);
      assert.deepEqual(contents(canary), want, 'a file of the bind-mounted canary was deleted');
      assert.deepEqual(contents(volDir(onVolDir)), tmpfsWant, 'a file of the tmpfs mounted on a volume directory was deleted');
      assert.deepEqual(readdirSync(join(root, 'volumes')).sort(), [...targets].sort());

      while (mounted.length > 0) run('umount', [mounted.pop()!]);
      // Unmounted, the refused volumes go like any other: what rm -a left is finished by the next touch.
      const again = await volAsync(root, ['rm', '-a']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await lsNames(root), []);
      assert.deepEqual(readdirSync(join(root, 'volumes')), []);
      assert.deepEqual(contents(canary), want);
    } finally {
      while (mounted.length > 0) spawnSync('umount', ['-l', mounted.pop()!]);
      removeTemp(base);
    }
  });
});
