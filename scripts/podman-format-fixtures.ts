// Regenerates test/fixtures/podman-format/expected.json from Podman 4.3.1 (run as root, with podman installed):
//   node --import tsx scripts/podman-format-fixtures.ts
// Podman gets a throwaway --root and --runroot with the vfs driver and no events logger, the same
// volumes as cases.json lists, and each case's `podman volume ARGS`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskRun, type MaskedRun } from '../test/fixtures/podman-format/mask.ts';

const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'podman-format');
const spec = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { volumes: string[][]; cases: { args: string[] }[] };

// The same prefix (and so the same length) as the test's vol root, so padded columns line up alike.
const root = mkdtempSync('/tmp/vol-fmt-');
const run = mkdtempSync('/tmp/vol-fmt-run-');
const conf = join(run, 'containers.conf');
writeFileSync(conf, '[engine]\nevents_logger = "none"\nlock_type = "file"\n');

function podman(args: string[]): MaskedRun {
  const r = spawnSync('podman', ['--root', root, '--runroot', join(run, 'run'), '--storage-driver', 'vfs', 'volume', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', CONTAINERS_CONF: conf },
    input: '',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

try {
  for (const v of spec.volumes) {
    const r = podman(v);
    if (r.code !== 0) throw new Error(`podman volume ${v.join(' ')}: ${r.stderr}`);
  }
  const expected = spec.cases.map((c) => ({ args: c.args, ...maskRun(podman(c.args), root) }));
  writeFileSync(join(DIR, 'expected.json'), JSON.stringify(expected, null, 1) + '\n');
  console.log(`${expected.length} cases written`);
} finally {
  podman(['prune', '-f']);
  rmSync(root, { recursive: true, force: true });
  rmSync(run, { recursive: true, force: true });
}
