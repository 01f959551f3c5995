import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { childEnv, vol, VOL_BIN } from '../helpers/vol.ts';
import { dataDir } from '../helpers/e2e.ts';
import { create, lsNames, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();
const CLEAR = '\r\x1b[2K';

/** Runs `vol --root ROOT ARGS` with stderr on a pseudo-terminal (util-linux `script`) and stdout to a file; returns both. */
function onTerminal(args: string[], env: Record<string, string> = {}): { terminal: string; stdout: string; code: number | null } {
  const out = join(root(), 'stdout.txt');
  const quoted = [VOL_BIN, '--root', root(), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', `${quoted} >'${out}'`, '/dev/null'], { encoding: 'utf8', env: childEnv({ VOL_PROGRESS_DELAY_MS: '0', ...env }) });
  assert.ok(!r.error, `util-linux script is needed to test on a terminal: ${r.error?.message}`);
  return { terminal: r.stdout, stdout: readFileSync(out, 'utf8'), code: r.status };
}

function makeVolumes(n: number): string[] {
  const names = Array.from({ length: n }, (_, i) => `p${i}`);
  for (const name of names) create(root(), name);
  return names;
}

describe('progress on a terminal', () => {
  test('rm -a draws done/total and a rate on stderr, erases it, and prints the names on stdout', () => {
    const names = makeVolumes(3);
    const r = onTerminal(['rm', '-a']);
    assert.equal(r.code, 0, r.terminal);
    assert.match(r.terminal, /\r\x1b\[2KRemoving volumes: \d\/3 \(\d+%\), \d+\/s/);
    assert.ok(r.terminal.includes('Removing volumes: 3/3 (100%)'), JSON.stringify(r.terminal));
    assert.ok(r.terminal.endsWith(CLEAR), `the line is not erased at the end: ${JSON.stringify(r.terminal)}`);
    assert.equal(r.stdout, names.map((n) => n + '\n').join(''));
  });

  test('prune -f and df draw their own lines', () => {
    makeVolumes(2);
    const df = onTerminal(['df']);
    assert.match(df.terminal, /Measuring volumes: 2\/2 \(100%\)/);
    assert.match(df.stdout, /^TYPE {11}TOTAL/);
    const prune = onTerminal(['prune', '-f']);
    assert.match(prune.terminal, /Pruning volumes: 2\/2 \(100%\)/);
    assert.equal(prune.stdout, 'p0\np1\n');
  });

  test('check draws a line while it looks at the volumes, and erases it', () => {
    makeVolumes(3);
    const r = onTerminal(['check']);
    assert.equal(r.code, 0, r.terminal);
    assert.ok(r.terminal.includes('Checking volumes: 3/3 (100%)'), JSON.stringify(r.terminal));
    assert.ok(r.terminal.endsWith(CLEAR), `the line is not erased at the end: ${JSON.stringify(r.terminal)}`);
    assert.equal(r.stdout, '');
    const quiet = onTerminal(['check', '--quiet']);
    assert.equal(quiet.terminal, '');
  });

  test('import shows bytes of the file total and a rate; export shows bytes written', () => {
    create(root(), 'src');
    writeFileSync(join(dataDir(root(), 'src'), 'blob'), Buffer.alloc(3 * 1024 * 1024, 7));
    const tar = join(root(), 'src.tar');
    const exp = onTerminal(['export', 'src', '-o', tar]);
    assert.equal(exp.code, 0, exp.terminal);
    assert.match(exp.terminal, /Exporting src: [\d.]+[kM]?B, [\d.]+[kMG]?B\/s/);
    create(root(), 'dst');
    const imp = onTerminal(['import', 'dst', tar]);
    assert.equal(imp.code, 0, imp.terminal);
    assert.match(imp.terminal, /Importing dst: [\d.]+[kM]?B of 3\.1\d*MB \(\d+%\), /);
    assert.equal(readFileSync(join(dataDir(root(), 'dst'), 'blob')).length, 3 * 1024 * 1024);
  });

  test('--quiet draws nothing, and neither does quick work before the default delay', () => {
    makeVolumes(2);
    assert.equal(onTerminal(['df', '--quiet']).terminal, '');
    assert.equal(onTerminal(['rm', '-a', '-q']).terminal, '');
    makeVolumes(1);
    assert.equal(onTerminal(['rm', '-a'], { VOL_PROGRESS_DELAY_MS: '60000' }).terminal, '');
    assert.deepEqual(lsNames(root()), []);
  });

  test('nothing is drawn when stderr is not a terminal', () => {
    makeVolumes(3);
    const env = { VOL_PROGRESS_DELAY_MS: '0' };
    const df = vol(root(), ['df'], { env });
    assert.equal(df.stderr, '');
    const rm = vol(root(), ['rm', '-a'], { env });
    assert.deepEqual([rm.code, rm.stdout, rm.stderr], [0, 'p0\np1\np2\n', '']);
  });
});
