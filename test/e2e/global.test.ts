import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { vol } from '../helpers/vol.ts';
import { assertFails, assertOk, create, entries, inspectOne, lsNames, tempRootPerTest, volBare, volumeDir } from './support.ts';

const root = tempRootPerTest();
const NAME_RULE = 'names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*';

/** Writes a TOML config with `[engine] volume_path` and returns its path. */
function configWithVolumePath(file: string, volumePath: string): string {
  const path = join(root(), file);
  writeFileSync(path, `# vol test config\n[engine]\nvolume_path = ${JSON.stringify(volumePath)}\n`);
  return path;
}

/** Asserts `vol SUB --help` exits 0 with a usage text on stdout listing `flags`. */
function assertHelp(args: string[], flags: string[]): void {
  const r = vol(root(), [...args, '--help']);
  assertOk(r);
  for (const f of flags) assert.ok(r.stdout.includes(f), `${args.join(' ')} --help lacks ${f}:\n${r.stdout}`);
}

describe('--root and VOL_ROOT', () => {
  test('--root is created if missing and holds all state', () => {
    const nested = join(root(), 'a', 'b', 'c');
    create(nested, 'v');
    assert.ok(existsSync(join(nested, 'volumes', 'v', '_data')));
    assert.equal(inspectOne(nested, 'v').Mountpoint, join(nested, 'volumes', 'v', '_data'));
  });

  test('two roots never affect each other', () => {
    const one = join(root(), 'one');
    const two = join(root(), 'two');
    create(one, 'shared', '-l', 'root=one');
    create(two, 'shared', '-l', 'root=two');
    create(two, 'only2');
    assert.deepEqual(lsNames(one), ['shared']);
    assert.deepEqual(inspectOne(one, 'shared').Labels, { root: 'one' });
    assertOk(vol(one, ['rm', 'shared']), 'shared\n');
    assert.deepEqual(lsNames(two), ['only2', 'shared']);
    assert.equal(vol(one, ['exists', 'only2']).code, 1);
  });

  test('VOL_ROOT is used when --root is absent; --root wins over it', () => {
    const envRoot = join(root(), 'env');
    const flagRoot = join(root(), 'flag');
    assertOk(volBare(['create', 'fromenv'], { VOL_ROOT: envRoot }), 'fromenv\n');
    assert.deepEqual(entries(join(envRoot, 'volumes')), ['fromenv']);
    assertOk(volBare(['--root', flagRoot, 'create', 'fromflag'], { VOL_ROOT: envRoot }), 'fromflag\n');
    assert.deepEqual(entries(join(flagRoot, 'volumes')), ['fromflag']);
    assert.deepEqual(entries(join(envRoot, 'volumes')), ['fromenv']);
    assertOk(volBare(['ls', '-q'], { VOL_ROOT: envRoot }), 'fromenv\n');
  });
});

describe('--config', () => {
  test('[engine] volume_path places the volume directories', () => {
    const vp = join(root(), 'vp');
    const cfg = configWithVolumePath('vol.toml', vp);
    const state = join(root(), 'state');
    assertOk(vol(state, ['--config', cfg, 'create', 'c']), 'c\n');
    assert.deepEqual(entries(vp), ['c']);
    assert.deepEqual(entries(join(vp, 'c', '_data')), []);
    assert.equal(existsSync(volumeDir(state, 'c')), false);
    const r = vol(state, ['--config', cfg, 'inspect', '-f', '{{.Mountpoint}}', 'c']);
    assertOk(r, `${join(vp, 'c', '_data')}\n`);
    assertOk(vol(state, ['--config', cfg, 'rm', 'c']), 'c\n');
    assert.deepEqual(entries(vp), []);
  });

  test('VOL_CONFIG is used when --config is absent; --config wins over it', () => {
    const envCfg = configWithVolumePath('env.toml', join(root(), 'vp-env'));
    const flagCfg = configWithVolumePath('flag.toml', join(root(), 'vp-flag'));
    const state = join(root(), 'state');
    assertOk(volBare(['--root', state, 'create', 'e'], { VOL_CONFIG: envCfg }), 'e\n');
    assertOk(volBare(['--root', state, '--config', flagCfg, 'create', 'f'], { VOL_CONFIG: envCfg }), 'f\n');
    assert.deepEqual(entries(join(root(), 'vp-env')), ['e']);
    assert.deepEqual(entries(join(root(), 'vp-flag')), ['f']);
  });

  test('a missing config file exits 125', () => {
    assertFails(vol(root(), ['--config', join(root(), 'nope.toml'), 'create', 'x']), 125, []);
    assert.deepEqual(entries(join(root(), 'volumes')), []);
  });
});

describe('--log-level', () => {
  test('debug, info, warn and error are accepted; logs never reach stdout', () => {
    for (const level of ['debug', 'info', 'warn', 'error']) {
      const r = vol(root(), ['--log-level', level, 'create', `v-${level}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `v-${level}\n`);
      const ls = vol(root(), ['--log-level', level, 'ls', '-q']);
      assert.equal(ls.code, 0, ls.stderr);
      assert.ok(ls.stdout.split('\n').includes(`v-${level}`));
    }
  });

  test('any other level exits 125 and names it', () => {
    assertFails(vol(root(), ['--log-level', 'loud', 'create', 'x']), 125, ['loud']);
    assertFails(vol(root(), ['--log-level', 'loud', 'ls']), 125, ['loud']);
    assert.deepEqual(lsNames(root()), []);
  });
});

describe('command line', () => {
  test('vol volume SUBCOMMAND is the same as vol SUBCOMMAND', () => {
    assertOk(vol(root(), ['volume', 'create', '-l', 'k=v', 'pv']), 'pv\n');
    assertOk(vol(root(), ['volume', 'ls', '-q']), 'pv\n');
    assertOk(vol(root(), ['--log-level', 'error', 'volume', 'list', '--noheading']), 'local       pv\n');
    assertOk(vol(root(), ['volume', 'inspect', '-f', '{{.Labels.k}}', 'pv']), 'v\n');
    assertOk(vol(root(), ['volume', 'exists', 'pv']), '');
    assertOk(vol(root(), ['volume', 'rm', 'pv']), 'pv\n');
    assert.equal(vol(root(), ['volume', 'exists', 'pv']).code, 1);
  });

  test('SUBCOMMAND --help exits 0 and lists the flags on stdout', () => {
    assertHelp(['create'], ['--label', '--opt', '--driver', '--ignore']);
    assertHelp(['rm'], ['--all', '--force', '--time']);
    assertHelp(['ls'], ['--filter', '--format', '--noheading', '--quiet']);
    assertHelp(['inspect'], ['--all', '--format']);
    assertHelp(['exists'], ['exists']);
    assertHelp(['volume', 'create'], ['--label', '--opt', '--driver']);
    assert.deepEqual(entries(join(root(), 'volumes')), []);
  });

  test('an unknown flag exits 125 with "unknown flag: --NAME"', () => {
    assertFails(vol(root(), ['create', '--bogus', 'x']), 125, ['unknown flag: --bogus']);
    assertFails(vol(root(), ['create', 'x', '--bogus']), 125, ['unknown flag: --bogus']);
    assertFails(vol(root(), ['ls', '--nope']), 125, ['unknown flag: --nope']);
    assertFails(vol(root(), ['rm', '--nope', 'x']), 125, ['unknown flag: --nope']);
    assertFails(vol(root(), ['--nope', 'ls']), 125, ['unknown flag: --nope']);
    assert.deepEqual(entries(join(root(), 'volumes')), []);
  });

  test('an unknown subcommand exits 125', () => {
    assertFails(vol(root(), ['frobnicate']), 125, []);
    assertFails(vol(root(), ['volume', 'frobnicate', 'x']), 125, []);
  });

  test('-- ends option parsing: "-x" is a name, not a flag', () => {
    const r = vol(root(), ['create', '--', '-x']);
    assertFails(r, 125, [NAME_RULE, '-x']);
    assert.ok(!r.stderr.includes('unknown flag'), r.stderr);
    assertFails(vol(root(), ['create', '-l', 'k=v', '--', '--bogus']), 125, [NAME_RULE]);
    assertFails(vol(root(), ['rm', '--', '-x']), 1, ['no volume with name "-x" found']);
    const ex = vol(root(), ['exists', '--', '-x']);
    assert.equal(ex.code, 1);
    assert.equal(ex.stderr, '');
    assert.deepEqual(entries(join(root(), 'volumes')), []);
  });

  test('short flags work as in podman, combined too', () => {
    create(root(), 'a', '-l', 'k=v', '-o', 'o=nodev');
    create(root(), 'b');
    assertOk(vol(root(), ['inspect', '-f', '{{.Labels.k}} {{.Options.o}}', 'a']), 'v nodev\n');
    assert.deepEqual(vol(root(), ['ls', '-q', '-f', 'label=k']).stdout, 'a\n');
    const r = vol(root(), ['rm', '-af']);
    assertOk(r);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['a', 'b']);
    assert.deepEqual(lsNames(root()), []);
  });
});
