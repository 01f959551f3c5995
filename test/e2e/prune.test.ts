import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { vol, type VolRun } from '../helpers/vol.ts';
import { mountedRootPerTest, mountsAt, sleeper } from './mount-support.ts';
import { assertFails, assertOk, create, entries, lsNames as lsInOrder, RANDOM_NAME_LINE } from './support.ts';
import { dataDir } from '../helpers/e2e.ts';

const { root } = mountedRootPerTest();
const PROMPT = 'Are you sure you want to continue? [y/N] ';
const WARNING = 'WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n';

/** Lines of `text`, sorted (the order of names is not part of the contract). */
function sortedLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '').sort();
}

function lsNames(): string[] {
  return lsInOrder(root()).sort();
}

/** Asserts prune succeeded, printed exactly `names` (any order), and left exactly `left` registered and on disk. */
function assertPruned(r: VolRun, names: string[], left: string[]): void {
  assertOk(r);
  assert.deepEqual(sortedLines(r.stdout), [...names].sort());
  assert.deepEqual(lsNames(), [...left].sort());
  assert.deepEqual(entries(`${root()}/volumes`), [...left].sort());
}

function createAll(...names: string[]): void {
  for (const n of names) create(root(), n);
}

function createRandom(): string {
  const r = vol(root(), ['create']);
  assertOk(r);
  assert.match(r.stdout, RANDOM_NAME_LINE);
  return r.stdout.trim();
}

function hold(name: string, id = 'ctr'): void {
  assertOk(vol(root(), ['mount', name, '--holder', id]));
}

describe('prune', () => {
  test('-f removes exactly the unheld volumes, named and random (a plain mount is no holder), and prints them', () => {
    createAll('a', 'b', 'held');
    create(root(), 'mounted', '-o', 'type=tmpfs');
    const random = createRandom();
    hold('held');
    assertOk(vol(root(), ['mount', 'mounted']));
    assertPruned(vol(root(), ['prune', '-f']), ['a', 'b', 'mounted', random], ['held']);
    assert.equal(mountsAt(dataDir(root(), 'mounted')), 0);
    assertPruned(vol(root(), ['prune', '--force']), [], ['held']);
  });

  test('without -f: the names, then the prompt; an answer starting with y or Y removes them', () => {
    for (const answer of ['y\n', 'Y\n', 'yes\n']) {
      createAll('a', 'b', 'held');
      hold('held');
      const r = vol(root(), ['prune'], { input: answer });
      assertOk(r);
      const at = r.stdout.indexOf(PROMPT);
      assert.ok(at >= 0, `no prompt in ${JSON.stringify(r.stdout)}`);
      assert.equal(r.stdout.slice(0, at), `${WARNING}a\nb\n`, `answer ${JSON.stringify(answer)}`);
      assert.deepEqual(sortedLines(r.stdout.slice(at + PROMPT.length)), ['a', 'b']);
      assert.deepEqual(lsNames(), ['held'], `answer ${JSON.stringify(answer)}`);
      assertOk(vol(root(), ['rm', '-f', 'held']), 'held\n');
    }
  });

  test('without -f: any other answer, or an empty line, removes nothing and exits 0', () => {
    createAll('a', 'b');
    for (const answer of ['n\n', 'N\n', '\n', 'no way\n', ' y\n']) {
      const r = vol(root(), ['prune'], { input: answer });
      assertOk(r);
      assert.equal(r.stdout, `${WARNING}a\nb\n${PROMPT}`, `answer ${JSON.stringify(answer)}`);
      assert.deepEqual(lsNames(), ['a', 'b'], `answer ${JSON.stringify(answer)}`);
    }
  });

  test('without -f: end of input exits 125 and removes nothing', () => {
    createAll('a', 'b');
    const r = vol(root(), ['prune'], { input: '' });
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /^Error: /);
    assert.equal(r.stdout, `${WARNING}a\nb\n${PROMPT}`);
    assert.deepEqual(lsNames(), ['a', 'b']);
    assert.deepEqual(entries(`${root()}/volumes`), ['a', 'b']);
  });

  test('--dry-run prints what would go and removes nothing, without -f and without reading stdin', () => {
    createAll('a', 'b', 'held');
    hold('held');
    const r = vol(root(), ['prune', '--dry-run']);
    assertOk(r);
    assert.deepEqual(sortedLines(r.stdout), ['a', 'b']);
    assert.deepEqual(lsNames(), ['a', 'b', 'held']);
    assert.deepEqual(sortedLines(vol(root(), ['prune', '--dry-run', '--filter', 'name=^a$']).stdout), ['a']);
  });

  test('--filter label=K and label=K=V', () => {
    create(root(), 'prod', '--label', 'env=prod');
    create(root(), 'dev', '--label', 'env=dev');
    create(root(), 'bare', '--label', 'other');
    createAll('plain');
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'label=env=prod']), ['prod'], ['bare', 'dev', 'plain']);
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'label=env']), ['dev'], ['bare', 'plain']);
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'label=other']), ['bare'], ['plain']);
  });

  test('--filter label!=K and label!=K=V keep the volumes that have the label', () => {
    create(root(), 'prod', '--label', 'env=prod');
    create(root(), 'dev', '--label', 'env=dev');
    createAll('plain');
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'label!=env=prod']), ['dev', 'plain'], ['prod']);
    create(root(), 'dev', '--label', 'env=dev');
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'label!=env']), [], ['dev', 'prod']);
  });

  test('--filter until=UNIX-SECONDS and until=DURATION', async () => {
    createAll('old');
    const cut = Math.floor(Date.now() / 1000) + 1;
    await sleep(cut * 1000 - Date.now() + 50);
    createAll('new');
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'until=1h']), [], ['new', 'old']);
    assertPruned(vol(root(), ['prune', '-f', '--filter', `until=${cut}`]), ['old'], ['new']);
  });

  test('--filter after=NAME and name=REGEX', () => {
    createAll('vol_1', 'xvol_1', 'vol_12', 'vol_2');
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'name=^vol_1']), ['vol_1', 'vol_12'], ['vol_2', 'xvol_1']);
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'after=xvol_1']), ['vol_2'], ['xvol_1']);
  });

  test('--filter driver=local removes local volumes; another driver matches none', () => {
    createAll('a', 'b');
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'driver=other']), [], ['a', 'b']);
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'driver=local']), ['a', 'b'], []);
  });

  test('an invalid filter exits 125 and removes nothing', () => {
    createAll('a', 'b');
    assertFails(vol(root(), ['prune', '-f', '--filter', 'bogus=1']), 125, ['"bogus" is an invalid volume filter']);
    assertFails(vol(root(), ['prune', '-f', '--filter', 'label=a', '--filter', 'colour=red']), 125, ['"colour" is an invalid volume filter']);
    assertFails(vol(root(), ['prune', '--filter', 'bogus=1'], { input: 'y\n' }), 125, ['"bogus" is an invalid volume filter']);
    assert.deepEqual(lsNames(), ['a', 'b']);
  });

  test('a held volume is never pruned, even when it matches the filter; a stale holder does not protect it', async () => {
    create(root(), 'held', '--label', 'k');
    create(root(), 'free', '--label', 'k');
    create(root(), 'gone', '--label', 'k', '-o', 'type=tmpfs');
    hold('held');
    const proc = sleeper();
    assertOk(vol(root(), ['mount', 'gone', '--holder', 'job', '--pid', String(proc.pid)]));
    assert.equal(mountsAt(dataDir(root(), 'gone')), 1);
    assert.deepEqual(sortedLines(vol(root(), ['prune', '--dry-run', '--filter', 'label=k']).stdout), ['free']);
    await proc.stop();
    assertPruned(vol(root(), ['prune', '-f', '--filter', 'label=k']), ['free', 'gone'], ['held']);
    assert.equal(mountsAt(dataDir(root(), 'gone')), 0);
    assert.equal(existsSync(dataDir(root(), 'held')), true);
  });

  test('zero candidates: -f and --dry-run print nothing; without -f the warning and "No dangling volumes found", no question; exit 0', () => {
    const nothing = `${WARNING}No dangling volumes found\n`;
    assertOk(vol(root(), ['prune', '-f']), '');
    assertOk(vol(root(), ['prune'], { input: '' }), nothing);
    createAll('held');
    hold('held');
    assertOk(vol(root(), ['prune', '-f']), '');
    assertOk(vol(root(), ['prune', '--dry-run']), '');
    assertOk(vol(root(), ['prune', '--filter', 'name=nomatch'], { input: '' }), nothing);
    assert.deepEqual(lsNames(), ['held']);
  });

  test('a positional argument exits 125 and removes nothing', () => {
    createAll('a');
    assertFails(vol(root(), ['prune', '-f', 'a']), 125, []);
    assert.deepEqual(lsNames(), ['a']);
  });
});
