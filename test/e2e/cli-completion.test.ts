import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { requireTool } from '../helpers/loopfs.ts';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN } from '../helpers/vol.ts';
import { assertFails, assertOk, create, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();
const PATH_WITH_VOL = `${dirname(VOL_BIN)}:${process.env.PATH ?? '/usr/bin:/bin'}`;

let scriptDir = '';
let bashScript = '';
before(() => {
  // Made once, as a shell loads it once: each TAB then costs one `vol __complete`.
  scriptDir = makeTemp('vol-completion-');
  bashScript = join(scriptDir, 'vol.bash');
  const r = spawnSync(VOL_BIN, ['completion', 'bash'], { encoding: 'utf8', env: childEnv() });
  assert.equal(r.status, 0, r.stderr);
  writeFileSync(bashScript, r.stdout);
});
after(() => removeTemp(scriptDir));

/** What bash's completion offers for `words` (the last is the word under the cursor), through `_vol` from `vol completion bash`. */
function bashComplete(words: string[], env: Record<string, string> = {}): string[] {
  const script = `source '${bashScript}' || exit 9; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vol; printf "%s\\n" "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script, 'bash', ...words], { encoding: 'utf8', env: childEnv({ PATH: PATH_WITH_VOL, ...env }) });
  assert.equal(r.status, 0, `bash completion failed (${r.status}): ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('vol completion', () => {
  test('prints a script for bash, zsh and fish; another shell is an error', () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = vol(root(), ['completion', shell]);
      assertOk(r);
      assert.ok(r.stdout.includes('__complete'), `${shell} script does not ask vol`);
    }
    const bash = spawnSync('bash', ['-n'], { input: vol(root(), ['completion', 'bash']).stdout, encoding: 'utf8' });
    assert.equal(bash.status, 0, `the bash script does not parse: ${bash.stderr}`);
    assertFails(vol(root(), ['completion', 'tcsh']), 125, ['unsupported shell "tcsh"']);
  });

  test('commands, flags of the command and the global flags', () => {
    const all = bashComplete(['vol', '']);
    for (const c of ['create', 'rm', 'ls', 'inspect', 'df', 'version', 'completion', 'help']) assert.ok(all.includes(c), `no ${c} in ${all}`);
    assert.deepEqual(bashComplete(['vol', 'in']), ['inspect', 'info']);
    assert.deepEqual(bashComplete(['vol', 'ls', '--f']), ['--filter', '--format']);
    assert.deepEqual(bashComplete(['vol', 'create', '--la']), ['--label']);
    assert.deepEqual(bashComplete(['vol', 'rm', '--ro']), ['--root']);
    assert.deepEqual(bashComplete(['vol', 'help', 'cr']), ['create']);
    assert.deepEqual(bashComplete(['vol', 'completion', '']), ['bash', 'zsh', 'fish']);
    assert.deepEqual(bashComplete(['vol', 'system', '']), ['df']);
    assert.deepEqual(bashComplete(['vol', 'volume', 'ex']), ['exists', 'export']);
  });

  test('fixed flag values: --log-level, --log-format, --format, filter keys, --driver', () => {
    assert.deepEqual(bashComplete(['vol', '--log-level', '']), ['debug', 'info', 'warn', 'error']);
    assert.deepEqual(bashComplete(['vol', 'ls', '--log-format', 'j']), ['json']);
    assert.deepEqual(bashComplete(['vol', 'inspect', '--format', '']), ['json']);
    assert.deepEqual(bashComplete(['vol', 'inspect', '-f', 'j']), ['json']);
    const keys = bashComplete(['vol', 'ls', '--filter', '']);
    for (const k of ['name=', 'label=', 'label!=', 'dangling=', 'until=']) assert.ok(keys.includes(k), `no ${k} in ${keys}`);
    assert.deepEqual(bashComplete(['vol', 'ls', '-f', 'lab']), ['label=', 'label!=']);
    assert.deepEqual(bashComplete(['vol', 'prune', '--filter', 'u']), ['until=']);
    assert.deepEqual(bashComplete(['vol', 'events', '--filter', '']), ['type=', 'volume=', 'label=']);
    const config = join(root(), 'vol.toml');
    writeFileSync(config, '[engine.volume_plugins]\nnfs = "/nonexistent/nfs.sock"\n');
    assert.deepEqual(bashComplete(['vol', '--config', config, 'create', '--driver', '']), ['local', 'nfs']);
  });

  test('volume names, from the root the command line names, only where a command takes an existing volume', () => {
    for (const n of ['alpha', 'alpine', 'beta']) create(root(), n);
    assert.deepEqual(bashComplete(['vol', '--root', root(), 'rm', 'al']), ['alpha', 'alpine']);
    assert.deepEqual(bashComplete(['vol', 'inspect', '--root', root(), '']), ['alpha', 'alpine', 'beta']);
    assert.deepEqual(bashComplete(['vol', 'volume', 'rm', `--root=${root()}`, 'b']), ['beta']);
    assert.deepEqual(bashComplete(['vol', 'rm', 'a'], { VOL_ROOT: root() }), ['alpha', 'alpine']);
    assert.deepEqual(bashComplete(['vol', 'export', 'alpha', '-o', ''], { VOL_ROOT: root() }), []);
    assert.deepEqual(bashComplete(['vol', 'import', 'beta', ''], { VOL_ROOT: root() }), []);
    // create takes a new name: no existing ones are offered.
    assert.deepEqual(bashComplete(['vol', 'create', ''], { VOL_ROOT: root() }), []);
    // A root that does not exist offers nothing and is not created.
    assert.deepEqual(bashComplete(['vol', '--root', join(root(), 'none'), 'rm', '']), []);
    assert.equal(spawnSync('test', ['-e', join(root(), 'none')]).status, 1);
  });
});

/** Runs `script` in `shell` with `vol` on PATH; fails the test on a non-zero exit or stderr. */
function inShell(shell: string, script: string): string[] {
  const r = spawnSync(shell, ['-c', script], { encoding: 'utf8', env: childEnv({ PATH: PATH_WITH_VOL }) });
  assert.equal(r.status, 0, `${shell} failed (${r.status}): ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('zsh and fish', () => {
  test('the zsh function hands vol\'s candidates to compadd, and files when there are none', (t: TestContext) => {
    if (!requireTool(t, 'zsh', 'zsh')) return;
    create(root(), 'alpha');
    create(root(), 'beta');
    // compadd and _files exist only inside zsh's completion system; stand-ins print what they get.
    const run = (words: string[]) =>
      inShell('zsh', `compadd() { shift $(( \${@[(i)--]} )); print -rl -- "$@"; }; _files() { print FILES; }; source <(vol completion zsh); words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _vol`);
    assert.deepEqual(run(['vol', '--root', root(), 'rm', 'al']), ['alpha']);
    assert.deepEqual(run(['vol', '--log-level', 'w']), ['warn']);
    assert.deepEqual(run(['vol', 'create', '']), ['FILES']);
  });

  test('fish completes through complete -C', (t: TestContext) => {
    if (!requireTool(t, 'fish', 'fish')) return;
    create(root(), 'alpha');
    create(root(), 'beta');
    const run = (line: string) => inShell('fish', `vol completion fish | source; complete -C '${line}'`);
    assert.deepEqual(run(`vol --root ${root()} inspect b`), ['beta']);
    assert.deepEqual(run('vol ls --f'), ['--filter', '--format']);
    assert.deepEqual(run('vol completion '), ['bash', 'fish', 'zsh']);
  });
});
