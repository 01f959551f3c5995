// What `npm run bench` runs after the build: every bench script in turn, or with BENCH_N of 100000
// or more the scale mode alone (bench/scale.mjs: N beside 10000, peak RSS), as the others would
// spend most of their time populating N volumes. Each script runs even if one before it failed;
// the exit code is 1 if any did.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { intEnv, NODE, REPO } from './common.mjs';

const SCALE_FROM = 100000;
const scripts = intEnv('BENCH_N', 10000, 1) >= SCALE_FROM
  ? ['scale.mjs']
  : ['run.mjs', 'jobs.mjs', 'events.mjs', 'plugin-serve.mjs', 'cli.mjs'];
const failed = [];
for (const s of scripts) {
  const r = spawnSync(NODE, [join(REPO, 'bench', s)], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`${s} (${r.status ?? r.signal})`);
}
if (failed.length) {
  console.error(`\nbench: failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
