import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { makeTemp, removeTemp, vol, volAsync } from '../helpers/vol.ts';
import { assertInside, racerMissing, snapshot, startRacer, writeRacer } from '../helpers/racer.ts';

// A racer swaps `_data/d` (a real directory whose names match the canary's) with `_data/l` (a
// symlink to the canary) while each command runs; the canary must never change or be archived.
const TRIES_PER_CASE = 20;
const UNPRIVILEGED = 1500;
const FILES = 30;
const missing = racerMissing();

function skipOrFail(t: TestContext): boolean {
  if (!missing) return false;
  if (process.env.CI === 'true') assert.fail(`containment race tests cannot run: ${missing}`);
  t.skip(missing);
  return true;
}

/** Fills `dir` with f0..fN and sub/g0..g9, each holding `text` and its own name. */
function fill(dir: string, text: string): void {
  mkdirSync(join(dir, 'sub'), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(join(dir, `f${i}`), `${text} f${i}\n`);
  for (let i = 0; i < 10; i++) writeFileSync(join(dir, 'sub', `g${i}`), `${text} g${i}\n`);
}

describe('containment while a racer swaps a directory with a symlink to a canary', () => {
  let base = '';
  let root = '';
  let canary = '';
  let script = '';
  let archive = '';
  let canaryBefore: string[] = [];
  let swaps = 0;
  let serial = 0;

  before(() => {
    if (missing) return;
    base = makeTemp('vol-e2e-race-');
    // Traversable (not listable) by the unprivileged racer, which must reach its own `_data`.
    chmodSync(base, 0o711);
    root = join(base, 'root');
    mkdirSync(join(root, 'volumes'), { recursive: true, mode: 0o711 });
    chmodSync(root, 0o711);
    chmodSync(join(root, 'volumes'), 0o711);
    canary = join(base, 'canary');
    fill(canary, 'CANARY-SECRET');
    canaryBefore = snapshot(canary);
    script = writeRacer(base);
    const src = join(base, 'src');
    fill(join(src, 'd'), 'imported');
    archive = join(base, 'in.tar');
    const tar = spawnSync('tar', ['-cf', archive, '-C', src, 'd']);
    assert.equal(tar.status, 0, String(tar.stderr));
  });

  after(() => {
    if (base) removeTemp(base);
    if (!missing) assert.ok(swaps > 0, 'the racers never swapped anything');
  });

  /** A volume (fresh, or `reuse`d) with `_data/d` (a copy of the canary's names) and `_data/l` -> canary. */
  function prepare(uid: number | undefined, reuse: string | undefined): { name: string; data: string } {
    const name = reuse ?? `r${++serial}`;
    const data = join(root, 'volumes', name, '_data');
    if (reuse !== undefined && existsSync(data)) {
      for (const p of [join(data, 'd'), join(data, 'l')]) {
        assertInside(data, p);
        // rmSync unlinks a symlink itself; it never follows one.
        rmSync(p, { recursive: true, force: true });
      }
    } else {
      const opts = uid === undefined ? [] : ['-o', `o=uid=${uid}`];
      const r = vol(root, ['create', ...opts, name]);
      assert.equal(r.code, 0, r.stderr);
    }
    fill(join(data, 'd'), 'inside');
    symlinkSync(canary, join(data, 'l'));
    return { name, data };
  }

  async function race(uid: number | undefined, op: (name: string) => Promise<void>, reuse?: string): Promise<void> {
    const { name, data } = prepare(uid, reuse);
    const racer = await startRacer(script, join(data, 'd'), join(data, 'l'), uid);
    let failed: unknown;
    try {
      await op(name);
    } catch (err) {
      failed = err;
    } finally {
      swaps += await racer.stop();
    }
    // The canary first: a command that failed may still have touched it.
    assert.deepEqual(snapshot(canary), canaryBefore, `the canary changed during a try on ${name}`);
    if (failed) throw failed;
  }

  async function removed(name: string, args: string[]): Promise<void> {
    const r = await volAsync(root, args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(existsSync(join(root, 'volumes', name)), false, `${name} is still on disk`);
  }

  const cases: [string, (name: string) => Promise<void>][] = [
    ['rm', (name) => removed(name, ['rm', name])],
    ['prune', (name) => removed(name, ['prune', '-f'])],
    ['rm -a', (name) => removed(name, ['rm', '-a'])],
    [
      'import',
      async (name) => {
        const r = await volAsync(root, ['import', name, archive]);
        // A swap can make the import fail (a directory changed under it); it may never write outside.
        if (r.code !== 0) assert.match(r.stderr, /^Error: /);
      },
    ],
    [
      'export',
      async (name) => {
        const out = join(base, `${name}.tar`);
        assertInside(base, out);
        const r = await volAsync(root, ['export', '-o', out, name]);
        assert.equal(r.code, 0, r.stderr);
        const bytes = readFileSync(out);
        rmSync(out);
        assert.equal(bytes.includes('CANARY-SECRET'), false, `the archive of ${name} holds a canary file`);
      },
    ],
  ];

  for (const [what, op] of cases) {
    for (const uid of [undefined, UNPRIVILEGED]) {
      it(`${what}, racer running as ${uid === undefined ? 'root' : `uid ${uid}`}: ${TRIES_PER_CASE} tries`, async (t) => {
        if (skipOrFail(t)) return;
        // import and export keep one volume for all their tries; removals need a new one each time.
        const reuse = what === 'import' || what === 'export' ? `keep${++serial}` : undefined;
        for (let i = 0; i < TRIES_PER_CASE; i++) await race(uid, op, reuse);
        if (reuse) {
          const r = vol(root, ['rm', reuse]);
          assert.equal(r.code, 0, r.stderr);
        }
      });
    }
  }
});
