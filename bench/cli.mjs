// Benchmark of the interactive command line: start-up of an empty `vol ls` against bare `node -e 0`
// (the new commands must not slow it down), and shell completion of volume names over N volumes,
// both the `vol __complete` call the scripts make and the whole bash `_vol` function.
//
//   BENCH_N              volumes to complete (default 10000)
//   BENCH_STARTUP_RUNS   runs of each start-up command, interleaved (default 30)
//   BENCH_RUNS           completion runs of each kind (default 10, after one warm-up)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fmtMs, intEnv, median, NODE, REPO, table, VOL_BIN, VOL_ENV } from './common.mjs';

const N = intEnv('BENCH_N', 10000, 1);
const STARTUP_RUNS = intEnv('BENCH_STARTUP_RUNS', 30, 1);
const RUNS = intEnv('BENCH_RUNS', 10, 1);
const START_TARGET = 1.2;
const COMPLETE_TARGET_MS = 300;
const BASE = mkdtempSync(join(tmpdir(), 'vol-bench-cli-'));

try {
  main();
} catch (err) {
  console.error(`\nbench failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(BASE, { recursive: true, force: true });
}

function main() {
  console.log('\n== Command line: start-up with every command registered, and completion ==');
  const empty = join(BASE, 'empty');
  const cmds = [
    { key: 'node', args: ['-e', '0'] },
    { key: 'ls', args: [VOL_BIN, '--root', empty, 'ls'] },
    { key: 'version', args: [VOL_BIN, '--version'] },
  ];
  const st = Object.fromEntries(cmds.map((c) => [c.key, []]));
  for (const c of cmds) time(NODE, c.args);
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (let j = 0; j < cmds.length; j++) {
      const c = cmds[(i + j) % cmds.length];
      st[c.key].push(time(NODE, c.args));
    }
  }
  const nodeMed = median(st.node);
  table(['command', `median of ${STARTUP_RUNS}`, 'ratio to node -e 0', 'target'], [
    ['node -e 0', fmtMs(nodeMed), '', ''],
    ['vol ls (empty root)', fmtMs(median(st.ls)), (median(st.ls) / nodeMed).toFixed(2), `<= ${START_TARGET} ${verdict(median(st.ls) / nodeMed <= START_TARGET)}`],
    ['vol --version', fmtMs(median(st.version)), (median(st.version) / nodeMed).toFixed(2), ''],
  ]);

  const root = join(BASE, 'names');
  const pop = spawnSync(NODE, ['--import', 'tsx', join(REPO, 'bench', 'populate.ts'), root, String(N)], { cwd: REPO, env: VOL_ENV, encoding: 'utf8' });
  if (pop.status !== 0) throw new Error(`bench/populate.ts failed: ${pop.stderr}`);
  const direct = [NODE, VOL_BIN, '__complete', '--root', root, 'rm', ''];
  const bashEnv = { ...VOL_ENV, PATH: `${dirname(VOL_BIN)}:${VOL_ENV.PATH ?? ''}` };
  // The script is loaded once per shell, as a user's shell does: what a TAB costs is _vol itself.
  const loaded = join(BASE, 'vol.bash');
  writeFileSync(loaded, spawnSync(NODE, [VOL_BIN, 'completion', 'bash'], { env: VOL_ENV, encoding: 'utf8' }).stdout);
  const script = `source ${loaded}; COMP_WORDS=(vol --root ${root} rm ''); COMP_CWORD=4; _vol; echo "\${#COMPREPLY[@]}"`;
  const count = spawnSync('bash', ['-c', script], { env: bashEnv, encoding: 'utf8' }).stdout.trim();
  if (count !== String(N)) throw new Error(`bash completion offered ${count} names, expected ${N}`);
  // CPU time (user + sys of _vol and the vol it runs, from bash's `time`) beside the wall clock:
  // on a busy machine the wall clock mostly measures waiting for a CPU.
  const timed = `source ${loaded}; COMP_WORDS=(vol --root ${root} rm ''); COMP_CWORD=4; TIMEFORMAT='%3U %3S'; time _vol`;
  const d = [];
  const b = [];
  const cpu = [];
  time(direct[0], direct.slice(1));
  for (let i = 0; i < RUNS; i++) {
    d.push(time(direct[0], direct.slice(1)));
    b.push(time('bash', ['-c', script], bashEnv));
    const r = spawnSync('bash', ['-c', timed], { env: bashEnv, encoding: 'utf8' });
    const [user, sys] = r.stderr.trim().split(/\s+/).map(Number);
    cpu.push((user + sys) * 1000);
  }
  table(['completion of volume names', `median of ${RUNS}`, 'target'], [
    [`vol __complete rm '' (${N} names), wall`, fmtMs(median(d)), ''],
    [`bash _vol for vol rm <TAB> (${N} names), wall`, fmtMs(median(b)), `< ${COMPLETE_TARGET_MS} ms ${verdict(median(b) < COMPLETE_TARGET_MS)}`],
    [`bash _vol for vol rm <TAB> (${N} names), CPU`, fmtMs(median(cpu)), ''],
  ]);
  console.log(`(node -e 0 took ${fmtMs(nodeMed)} here; the load average was ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
}

function time(cmd, args, env = VOL_ENV) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${String(r.stderr ?? r.error)}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function verdict(ok) {
  return ok ? 'ok' : 'MISSED';
}
