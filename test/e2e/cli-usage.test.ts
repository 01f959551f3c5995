import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { childEnv, vol, VOL_BIN } from '../helpers/vol.ts';
import { assertFails, assertOk, create, lsNames, tempRootPerTest, volBare } from './support.ts';

const root = tempRootPerTest();
const REPO = dirname(dirname(VOL_BIN));
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; man: string[] };

/** The subcommands `vol --help` lists (its "Commands:" block), aliases dropped. */
function listedCommands(): string[] {
  const help = vol(root(), ['--help']).stdout;
  const block = help.slice(help.indexOf('Commands:'), help.indexOf('Examples:'));
  return [...block.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
}

describe('version', () => {
  test('vol --version and -v print "vol version X" from package.json', () => {
    assertOk(vol(root(), ['--version']), `vol version ${PKG.version}\n`);
    assertOk(vol(root(), ['-v']), `vol version ${PKG.version}\n`);
  });

  test('vol version shows vol, Node, SQLite, the schema and the commit; --format json and templates', () => {
    const text = vol(root(), ['version']);
    assertOk(text);
    for (const label of ['Version:', 'Git Commit:', 'Node Version:', 'SQLite Version:', 'Schema Version:', 'OS/Arch:']) assert.ok(text.stdout.includes(label), text.stdout);
    const json = vol(root(), ['version', '--format', 'json']);
    assertOk(json);
    const v = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['Version', 'GitCommit', 'NodeVersion', 'SQLiteVersion', 'SchemaVersion', 'OsArch']);
    assert.equal(v.Version, PKG.version);
    assert.equal(v.NodeVersion, process.version);
    assert.match(String(v.SQLiteVersion), /^3\.\d+\.\d+$/);
    assert.ok(Number.isInteger(v.SchemaVersion) && (v.SchemaVersion as number) >= 1);
    const git = spawnSync('git', ['-C', REPO, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    // The bundle records the commit it was built from; a build without git says "unknown".
    assert.match(String(v.GitCommit), git.status === 0 ? /^[0-9a-f]{40}$/ : /^unknown$/);
    assertOk(vol(root(), ['version', '--format', '{{.Version}} {{.SchemaVersion}}']), `${PKG.version} ${v.SchemaVersion}\n`);
    assertFails(vol(root(), ['version', '--format', '{{.Nope}}']), 125, ['Nope']);
  });

  test('the schema version is the one a new database gets', () => {
    create(root(), 'v');
    const v = JSON.parse(vol(root(), ['version', '--format', 'json']).stdout) as { SchemaVersion: number };
    const userVersion = execFileSync(process.execPath, ['-e', `const D=require(${JSON.stringify(join(REPO, 'node_modules', 'better-sqlite3'))});console.log(new D(process.argv[1],{readonly:true}).pragma('user_version',{simple:true}))`, join(root(), 'vol.db')], { encoding: 'utf8' });
    assert.equal(Number(userVersion), v.SchemaVersion);
  });
});

describe('help', () => {
  test('every command has a description, its flags and two or three examples; vol help CMD is CMD --help', () => {
    const commands = listedCommands();
    for (const c of ['create', 'rm', 'ls', 'inspect', 'df', 'version', 'completion']) assert.ok(commands.includes(c), `vol --help lacks ${c}`);
    // `help` is commander's own command; `vol help --help` is not a thing.
    for (const c of commands.filter((name) => name !== 'help')) {
      const r = vol(root(), [c, '--help']);
      assertOk(r);
      assert.match(r.stdout, new RegExp(`^Usage: vol ${c}\\b`), c);
      assert.match(r.stdout.split('\n')[2] ?? '', /^[A-Z].{10,}/, `${c} has no description`);
      assert.ok(r.stdout.includes('--help'), `${c} --help lists no flags`);
      const examples = r.stdout.slice(r.stdout.indexOf('\nExamples:\n'));
      assert.ok(r.stdout.includes('\nExamples:\n'), `${c} --help has no examples:\n${r.stdout}`);
      const n = examples.split('\n').filter((l) => l.startsWith('  vol ') || l.startsWith('  source ') || l.startsWith('  curl ')).length;
      assert.ok(n >= 2 && n <= 3, `${c} has ${n} examples`);
      assert.equal(vol(root(), ['help', c]).stdout, r.stdout, `vol help ${c}`);
    }
  });

  test('a mistyped flag names the nearest one and points at the command help, on one line', () => {
    assertFails(vol(root(), ['create', '--lable', 'x=1', 'v']), 125, ['unknown flag: --lable', '--label', "See 'vol create --help'"]);
    assertFails(vol(root(), ['ls', '--quite']), 125, ['unknown flag: --quite', '--quiet', "See 'vol ls --help'"]);
    // Global flags are candidates after a command too.
    assertFails(vol(root(), ['ls', '--roo', 'x']), 125, ['unknown flag: --roo', '--root']);
    assertFails(vol(root(), ['create', '--zzzzzz']), 125, ['unknown flag: --zzzzzz', "See 'vol create --help'"]);
    assert.deepEqual(lsNames(root()), []);
  });

  test('a mistyped command names the nearest one; vol help of an unknown command too', () => {
    assertFails(vol(root(), ['lss']), 125, ['unknown command "lss"', 'ls', "See 'vol --help'"]);
    assertFails(vol(root(), ['craete', 'v']), 125, ['unknown command "craete"', 'create']);
    assertFails(vol(root(), ['help', 'inspekt']), 125, ['unknown command "inspekt"', 'inspect']);
    assertFails(vol(root(), ['exists', 'a', 'b']), 125, ['too many arguments', "See 'vol exists --help'"]);
    assertFails(vol(root(), []), 125, ["See 'vol --help'"]);
  });
});

describe('global flags anywhere', () => {
  test('--root, --log-level, --log-format, --config and --volume-plugin work after the command, in both spellings', () => {
    const other = join(root(), 'other');
    const config = join(root(), 'vol.toml');
    writeFileSync(config, '[engine]\nvolume_plugin_timeout = 5\n');
    assertOk(volBare(['create', 'a', '--root', other], {}), 'a\n');
    assertOk(volBare(['ls', '-q', `--root=${other}`, '--log-level', 'error', '--log-format', 'json'], {}), 'a\n');
    assertOk(volBare(['volume', 'ls', '--root', other, '-q', '--config', config], {}), 'a\n');
    assertOk(volBare(['inspect', '--root', other, '--volume-plugin', 'p=/nonexistent.sock', '--format', '{{.Name}}', 'a'], {}), 'a\n');
    assertOk(volBare(['system', 'df', '--root', other, '--format', '{{.Total}}'], {}), '1\n');
    // A flag after the command wins over one before it, as with Podman.
    assertOk(volBare(['--root', join(root(), 'unused'), 'ls', '-q', '--root', other], {}), 'a\n');
    assertFails(volBare(['ls', '--root', other, '--log-level', 'loud'], {}), 125, ['invalid log level "loud"']);
    assertFails(volBare(['ls', '--root'], {}), 125, ['flag needs an argument: --root']);
  });

  test('-- ends option parsing: a global flag after it is an argument', () => {
    create(root(), 'v');
    assertFails(vol(root(), ['inspect', '--', '--root']), 125, ['no such volume --root'], { stdout: '[]\n' });
    assertFails(vol(root(), ['create', '--', '--root']), 125, ['names must match']);
  });
});

describe('man page and quick start', () => {
  test('the build makes dist/vol.1 with every command and its examples; package.json installs it', (t) => {
    assert.deepEqual(PKG.man, ['./dist/vol.1']);
    const page = join(REPO, 'dist', 'vol.1');
    assert.ok(existsSync(page), 'dist/vol.1 is missing: npm run build makes it');
    const roff = readFileSync(page, 'utf8');
    assert.match(roff, /^\.TH VOL 1 /);
    const man = spawnSync('man', ['-l', page], { encoding: 'utf8', env: childEnv({ MANPAGER: 'cat', MANWIDTH: '100' }) });
    if (man.error) {
      const reason = 'man is not installed (apt-get install man-db; .ci/run installs it)';
      if (process.env.CI === 'true') assert.fail(reason);
      return t.skip(reason);
    }
    assert.equal(man.status, 0, `man -l dist/vol.1 failed: ${man.stderr}`);
    for (const c of listedCommands().filter((c) => c !== 'help')) assert.ok(man.stdout.includes(`vol ${c}`), `the man page lacks vol ${c}`);
    assert.ok(man.stdout.includes('vol create --ignore'), 'the man page lacks the examples');
    assert.ok(man.stdout.includes('--log-format'), 'the man page lacks the global flags');
  });

  test("the README's quick start runs again and again on the same root", () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'));
    // The install step (`npm ci && `) is left out: the checkout under test is installed already.
    const line: string = /^npm ci && (node bin\/vol create --ignore demo.*)$/m.exec(quick)?.[1] ?? '';
    assert.ok(line, 'the quick start has no `npm ci && node bin/vol create --ignore demo ...` line');
    for (let i = 0; i < 3; i++) {
      const r = spawnSync('sh', ['-c', line], { cwd: REPO, encoding: 'utf8', env: childEnv({ VOL_ROOT: root() }) });
      assert.equal(r.status, 0, `run ${i + 1}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^demo\nDRIVER +VOLUME NAME\nlocal +demo\n$/);
    }
  });
});
