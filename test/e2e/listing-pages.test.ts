// Listings read a page of rows at a time (inspect --all, check) or only name and driver (ls as a
// table, ls -q): the output must be what the whole-listing paths print, across page boundaries.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { childEnv, makeTemp, removeTemp, vol } from '../helpers/vol.ts';

const POPULATE = resolve(import.meta.dirname, 'boundary-populate.ts');
/** More than two pages of 1000. */
const VOLUMES = 2100;

describe('listings over more than one page of rows', () => {
  let dir: string;
  let root: string;
  const run = (...args: string[]) => vol(root, args);

  before(() => {
    dir = makeTemp('vol-pages-');
    root = join(dir, 'root');
    const made = spawnSync(process.execPath, ['--import', 'tsx', POPULATE, root, String(VOLUMES)], { env: childEnv(), encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    // A few volumes that the filters tell apart, sorting before, between and after the populated ones.
    assert.equal(run('create', '--label', 'team=a', '--label', 'tier=1', 'aaa-labelled').code, 0);
    assert.equal(run('create', '--label', 'team=b', '--opt', 'o=uid=7', 'boundary-001500-mid').code, 0);
    assert.equal(run('create', '--label', 'team', 'zzz-last').code, 0);
  });
  after(() => removeTemp(dir));

  test('inspect --all prints exactly what inspect of every name prints', () => {
    const names = run('ls', '-q').stdout.trim().split('\n');
    assert.equal(names.length, VOLUMES + 3);
    const all = run('inspect', '--all');
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stderr, '');
    const byName = run('inspect', ...names);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal(all.stdout, byName.stdout);
    assert.deepEqual((JSON.parse(all.stdout) as { Name: string }[]).map((v) => v.Name), names);
  });

  test('ls and ls -q show the volumes and drivers that ls --format json shows, for each filter', () => {
    const filters = [[], ['label=team'], ['label=team=b'], ['label=team', 'label=tier=1'], ['label=te*'], ['label!=team'], ['name=00150'], ['driver=local', 'name=^zzz'], ['opt=o'], ['dangling=true'], ['scope=local'], ['name=nothing-matches']];
    for (const f of filters) {
      const args = f.flatMap((x) => ['--filter', x]);
      const json = run('ls', '--format', 'json', ...args);
      assert.equal(json.code, 0, json.stderr);
      const listed = JSON.parse(json.stdout) as { Name: string; Driver: string }[];
      const table = listed.length === 0 ? '' : 'DRIVER      VOLUME NAME\n' + listed.map((v) => `${v.Driver.padEnd(12)}${v.Name}\n`).join('');
      assert.equal(run('ls', ...args).stdout, table, `ls ${args.join(' ')}`);
      assert.equal(run('ls', '-q', ...args).stdout, listed.map((v) => v.Name + '\n').join(''), `ls -q ${args.join(' ')}`);
    }
  });

  test('check finds a volume broken past the first page of rows', () => {
    assert.equal(run('check', '--format', 'json').stdout.trim(), '[]');
    const data = join(root, 'volumes', 'boundary-002050-' + 'x'.repeat(60), '_data');
    assert.ok(data.startsWith(dir + sep));
    rmSync(data, { recursive: true });
    const found = JSON.parse(run('check', '--format', 'json').stdout) as { Kind: string; Volume: string }[];
    assert.deepEqual(found.map((f) => [f.Kind, f.Volume]), [['data-missing', 'boundary-002050-' + 'x'.repeat(60)]]);
  });
});

describe('inspect --all at the edges', () => {
  let dir: string;
  before(() => {
    dir = makeTemp('vol-pages-edge-');
  });
  after(() => removeTemp(dir));

  test('no database and an empty one: [] and exit 0; one volume: what inspect NAME prints', () => {
    const root = join(dir, 'root');
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(vol(root, ['inspect', '--all']), { code: 0, signal: null, stdout: '[]\n', stderr: '' });
      assert.equal(vol(root, ['create', 'x']).code, 0);
      assert.equal(vol(root, ['rm', 'x']).code, 0);
    }
    assert.equal(vol(root, ['create', '--label', 'k=v', 'one']).code, 0);
    const all = vol(root, ['inspect', '--all']);
    assert.equal(all.code, 0);
    assert.equal(all.stdout, vol(root, ['inspect', 'one']).stdout);
    assert.match(all.stdout, /^\[\n {5}\{\n {10}"Name": "one",\n/);
  });
});
