// Export and import throughput: `vol export -o FILE` and `vol import VOL FILE` of a volume of mixed
// files (BENCH_ARCHIVE_MIB, default 200), median of BENCH_ARCHIVE_RUNS (3) each, in MiB/s.
// `node bench/archive.mjs [VOL_BIN...]` measures each given bin/vol in turn (default: this tree's),
// alternating runs, so two builds are compared on the same data in the same conditions.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VOL_BIN, VOL_ENV, fmtMs, intEnv, median, table } from './common.mjs';

const MIB = intEnv('BENCH_ARCHIVE_MIB', 200, 1);
const RUNS = intEnv('BENCH_ARCHIVE_RUNS', 3, 1);
const bins = process.argv.length > 2 ? process.argv.slice(2) : [VOL_BIN];

function run(bin, root, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(bin, ['--root', root, ...args], { env: VOL_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Fills `dir` with ~`mib` MiB: many small files, some medium, a few large, in nested directories. */
function fill(dir, mib) {
  let bytes = 0;
  const target = mib * 1024 * 1024;
  const sizes = [4096, 16384, 65536, 262144, 1 << 20, 8 << 20];
  for (let i = 0; bytes < target; i++) {
    const sub = join(dir, `d${i % 20}`, `e${i % 7}`);
    mkdirSync(sub, { recursive: true });
    const size = Math.min(sizes[i % sizes.length], target - bytes);
    writeFileSync(join(sub, `f${i}`), Buffer.alloc(size, i & 0xff));
    bytes += size;
  }
  return bytes;
}

const tmp = mkdtempSync(join(tmpdir(), 'vol-bench-archive-'));
try {
  const root = join(tmp, 'root');
  run(bins[0], root, ['create', 'src']);
  const bytes = fill(join(root, 'volumes', 'src', '_data'), MIB);
  const times = bins.map(() => ({ exp: [], imp: [] }));
  for (let round = 0; round < RUNS; round++) {
    for (const [i, bin] of bins.entries()) {
      const out = join(tmp, 'out.tar');
      times[i].exp.push(run(bin, root, ['export', '-o', out, 'src']));
      if (statSync(out).size < bytes) throw new Error(`${bin}: the archive is smaller than the data`);
      run(bin, root, ['create', 'dst']);
      times[i].imp.push(run(bin, root, ['import', 'dst', out]));
      run(bin, root, ['rm', 'dst']);
      rmSync(out);
    }
  }
  const mibs = bytes / (1024 * 1024);
  console.log(`\nexport/import of ${mibs.toFixed(0)} MiB of mixed files, median of ${RUNS}`);
  table(
    ['vol', 'export', 'MiB/s', 'import', 'MiB/s'],
    bins.map((bin, i) => {
      const e = median(times[i].exp);
      const m = median(times[i].imp);
      return [bin, fmtMs(e), (mibs / (e / 1000)).toFixed(0), fmtMs(m), (mibs / (m / 1000)).toFixed(0)];
    }),
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
