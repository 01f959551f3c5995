import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/model.ts';
import type { Exec, QuotaContext } from '../../src/quota/backend.ts';
import { XfsQuota } from '../../src/quota/xfs.ts';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

// The kernel here has no XFS quota, so a fake xfs_quota found through PATH stands in for the tool:
// it logs its argv (tab-separated, one call a line) and answers by the -c command. A command that
// starts with XFS_FAKE_FAIL fails as on a kernel without quota; one that starts with XFS_FAKE_QUIET
// prints nothing and exits 0, as xfs_quota does when it cannot use a path.
const FAKE_XFS_QUOTA = `#!/bin/sh
printf '%s\\t' "$@" >> "$XFS_FAKE_LOG"
printf '\\n' >> "$XFS_FAKE_LOG"
if [ -n "$XFS_FAKE_FAIL" ]; then
  case "$3" in "$XFS_FAKE_FAIL"*) echo "xfs_quota: cannot set limits: Function not implemented" >&2; exit 1 ;; esac
fi
case "$3" in
  "state -p") cat "$XFS_FAKE_DIR/state-$XFS_FAKE_STATE.txt" ;;
  report*) cat "$XFS_FAKE_DIR/report.txt" ;;
  "$XFS_FAKE_QUIET"*) ;;
  "project -s -p "*) dir=\${3#project -s -p }; echo "Setting up project \${3##* } (path \${dir% *})..." ;;
  "project -C -p "*) dir=\${3#project -C -p }; echo "Clearing project \${3##* } (path \${dir% *})..." ;;
esac
exit 0
`;

// quota/state.c: state_qfilestat, then the grace times and warning limits.
const STATE_ON = `Project quota state on /mnt/vols (/dev/loop0)
  Accounting: ON
  Enforcement: ON
  Inode: #131 (1 blocks, 1 extents)
Blocks grace time: [7 days]
Blocks max warnings: 5
Inodes grace time: [7 days]
Inodes max warnings: 5
Realtime Blocks grace time: [7 days]
Realtime Blocks max warnings: 5
`;
const STATE_NOENFORCE = STATE_ON.replace('Enforcement: ON', 'Enforcement: OFF');
// A User section that is ON must not stand in for a Project section that is OFF.
const STATE_MIXED = STATE_NOENFORCE.replace('Accounting: ON', 'Accounting: OFF') + STATE_ON.replace('Project', 'User');
// What xfs_quota 6.1 prints (nothing, exit 0) on an XFS mounted without project quota.
const STATE_OFF = '';

/** One row as quota/report.c prints it with -n: `#%-10u`, then per form ` %10llu %10llu %10llu     %02d %9s`. */
function reportRow(id: number, blocksKiB: [number, number, number], bGrace: string, inodes: [number, number, number], iGrace: string): string {
  const form = ([used, soft, hard]: [number, number, number], warns: string, grace: string) =>
    [used, soft, hard].map((n) => ` ${String(n).padStart(10)}`).join('') + `     ${warns} ${grace.padStart(9)}`;
  return `#${String(id).padEnd(10)}${form(blocksKiB, '00', bGrace)}${form(inodes, '00', iGrace)}`;
}

const REPORT = [
  reportRow(200000, [19456, 0, 20480], '[--------]', [3, 0, 0], '[--------]'),
  reportRow(200001, [4, 0, 0], '[--------]', [120, 100, 1000], '[6 days]'),
  reportRow(200007, [1024, 0, 0], '[--------]', [9, 0, 0], '[--------]'),
  '',
].join('\n');

interface Fake {
  dir: string;
  mnt: string;
  log: string;
  env: Record<string, string>;
}

let fake: Fake;
const warnings: string[] = [];
const log: Logger = { debug() {}, info() {}, warn: (msg) => void warnings.push(msg), error() {} };

beforeEach(() => {
  const dir = makeTemp('vol-xfs-fake-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'xfs_quota'), FAKE_XFS_QUOTA);
  chmodSync(join(bin, 'xfs_quota'), 0o755);
  writeFileSync(join(dir, 'state-on.txt'), STATE_ON);
  writeFileSync(join(dir, 'state-noenforce.txt'), STATE_NOENFORCE);
  writeFileSync(join(dir, 'state-off.txt'), STATE_OFF);
  writeFileSync(join(dir, 'state-mixed.txt'), STATE_MIXED);
  writeFileSync(join(dir, 'report.txt'), REPORT);
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const logFile = join(dir, 'argv.log');
  fake = { dir, mnt, log: logFile, env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, XFS_FAKE_LOG: logFile, XFS_FAKE_DIR: dir, XFS_FAKE_STATE: 'on', XFS_FAKE_FAIL: '', XFS_FAKE_QUIET: '-' } };
  warnings.length = 0;
});
afterEach(() => removeTemp(fake.dir));

/** Runs tools like the runtime does: execFile looks `file` up in the PATH of `env`. */
function execWith(env: Record<string, string>): Exec {
  return (file, args) =>
    new Promise((resolve, reject) => {
      execFile(file, args, { env, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        reject(Object.assign(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || err.message}`), { code: err.code, stderr }));
      });
    });
}

function backend(env: Record<string, string> = {}): XfsQuota {
  const ctx: QuotaContext = { mountPoint: fake.mnt, exec: execWith({ ...fake.env, ...env }), log };
  return new XfsQuota(ctx);
}

/** The -c commands the fake received, in order, after checking every call's argv shape. */
function calls(): string[] {
  if (!existsSync(fake.log)) return [];
  return readFileSync(fake.log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const argv = line.split('\t').slice(0, -1);
      assert.deepEqual([argv[0], argv[1], argv[3], argv.length], ['-x', '-c', fake.mnt, 4], `argv ${JSON.stringify(argv)}`);
      return argv[2]!;
    });
}

test('check reads the project quota state once and accepts ON/ON', async () => {
  await backend().check({ size: 20 << 20, inodes: 100 }, 'q');
  assert.deepEqual(calls(), ['state -p']);
  const argv = readFileSync(fake.log, 'utf8').trimEnd().split('\t').filter((a) => a !== '');
  assert.deepEqual(argv, ['-x', '-c', 'state -p', fake.mnt]);
});

test('check without limits runs nothing', async () => {
  await backend().check({}, 'q');
  assert.deepEqual(calls(), []);
});

test('check refuses a mount without project quota, naming xfs, the mount and prjquota', async () => {
  await assert.rejects(backend({ XFS_FAKE_STATE: 'off' }).check({ size: 1 << 20 }, 'q'), (err) => {
    assert.ok(isVolError(err, 'QUOTA_UNSUPPORTED'));
    assert.match(err.message, /^volume q: size limits are not supported on xfs \(/);
    assert.ok(err.message.includes(fake.mnt), err.message);
    assert.match(err.message, /project quota is not enabled/);
    assert.match(err.hint ?? '', /mount -o prjquota/);
    return true;
  });
  assert.deepEqual(calls(), ['state -p']);
});

test('check reads the Project section only', async () => {
  await assert.rejects(backend({ XFS_FAKE_STATE: 'mixed' }).check({ size: 1 << 20 }, 'q'), (err) => isVolError(err, 'QUOTA_UNSUPPORTED') && /not enabled/.test(err.message));
});

test('check refuses accounting without enforcement', async () => {
  await assert.rejects(backend({ XFS_FAKE_STATE: 'noenforce' }).check({ inodes: 10 }, 'q'), (err) => {
    assert.ok(isVolError(err, 'QUOTA_UNSUPPORTED'));
    assert.match(err.message, /inode limits are not supported on xfs .*accounted but not enforced/);
    assert.match(err.hint ?? '', /prjquota/);
    return true;
  });
});

test('a missing xfs_quota says so and names xfsprogs', async () => {
  const empty = join(fake.dir, 'empty-path');
  mkdirSync(empty);
  const b = backend({ PATH: empty });
  await assert.rejects(b.check({ size: 1 << 20 }, 'q'), (err) => {
    assert.ok(isVolError(err, 'QUOTA_UNSUPPORTED'));
    assert.match(err.message, /not supported on xfs .*xfs_quota, which is not installed/);
    assert.ok(err.message.includes(fake.mnt));
    assert.match(err.hint ?? '', /xfsprogs/);
    return true;
  });
  const dataDir = join(fake.mnt, '_data');
  await assert.rejects(b.makeLimitedDir(dataDir, { size: 1 << 20 }, '200000'), (err) => {
    assert.ok(isVolError(err, 'QUOTA_UNSUPPORTED'));
    assert.match(err.message, /xfs_quota is not installed/);
    assert.ok(err.message.includes(dataDir));
    assert.match(err.hint ?? '', /xfsprogs/);
    return true;
  });
  assert.equal(existsSync(dataDir), false);
});

for (const [label, limits, args] of [
  ['size only', { size: 20 << 20 }, 'bhard=20971520'],
  ['inodes only', { inodes: 1000 }, 'ihard=1000'],
  ['size and inodes', { size: 20 << 20, inodes: 1000 }, 'bhard=20971520 ihard=1000'],
] as const) {
  test(`makeLimitedDir with ${label} makes a 0755 project dir and sets only that limit`, async () => {
    const dataDir = join(fake.mnt, 'v1', '_data');
    mkdirSync(join(fake.mnt, 'v1'));
    const umask = process.umask(0o077);
    try {
      assert.deepEqual(await backend().makeLimitedDir(dataDir, limits, '200003'), { id: '200003' });
    } finally {
      process.umask(umask);
    }
    assert.equal(statSync(dataDir).mode & 0o777, 0o755);
    assert.deepEqual(calls(), [`project -s -p ${dataDir} 200003`, `limit -p ${args} 200003`]);
  });
}

test('a size under 512 bytes is rounded up, never sent as 0 (which xfs reads as no limit)', async () => {
  await backend().makeLimitedDir(join(fake.mnt, '_data'), { size: 100 }, '200000');
  assert.deepEqual(calls().slice(1), ['limit -p bhard=512 200000']);
});

test('a failed limit step is undone in reverse and reported naming the directory', async () => {
  const dataDir = join(fake.mnt, '_data');
  const b = backend({ XFS_FAKE_FAIL: 'limit -p bhard=20971520' });
  await assert.rejects(b.makeLimitedDir(dataDir, { size: 20 << 20 }, '200000'), (err) => {
    assert.ok(isVolError(err, 'IO_FAILED'));
    assert.ok(err.message.includes(dataDir), err.message);
    assert.match(err.message, /cannot set limits: Function not implemented/);
    return true;
  });
  assert.deepEqual(calls(), [
    `project -s -p ${dataDir} 200000`,
    'limit -p bhard=20971520 200000',
    'limit -p bhard=0 bsoft=0 ihard=0 isoft=0 200000',
    `project -C -p ${dataDir} 200000`,
  ]);
  assert.equal(existsSync(dataDir), false);
  assert.deepEqual(warnings, []);
});

test('a failed project step clears the project and removes the directory, and undo failures are logged', async () => {
  const dataDir = join(fake.mnt, '_data');
  await assert.rejects(backend({ XFS_FAKE_FAIL: 'project' }).makeLimitedDir(dataDir, { inodes: 5 }, '200000'), (err) => isVolError(err, 'IO_FAILED'));
  assert.deepEqual(calls(), [`project -s -p ${dataDir} 200000`, `project -C -p ${dataDir} 200000`]);
  assert.equal(existsSync(dataDir), false);
  assert.equal(warnings.length, 1);
});

test('a project step that exits 0 without naming the directory (xfs_quota could not use the path) is a failure', async () => {
  const dataDir = join(fake.mnt, '_data');
  await assert.rejects(backend({ XFS_FAKE_QUIET: 'project -s' }).makeLimitedDir(dataDir, { size: 1 << 20 }, '200000'), (err) => {
    assert.ok(isVolError(err, 'IO_FAILED'));
    assert.match(err.message, /did not set up project 200000/);
    return true;
  });
  assert.deepEqual(calls(), [`project -s -p ${dataDir} 200000`, `project -C -p ${dataDir} 200000`]);
  assert.equal(existsSync(dataDir), false);
});

test('makeLimitedDir refuses to run without a reserved id, a path with spaces, or a zero limit', async () => {
  const dataDir = join(fake.mnt, '_data');
  await assert.rejects(backend().makeLimitedDir(dataDir, { size: 1 << 20 }, undefined), (err) => err instanceof Error && !isVolError(err));
  await assert.rejects(backend().makeLimitedDir(dataDir, { size: 1 << 20 }, '0'), (err) => err instanceof Error && !isVolError(err));
  await assert.rejects(backend().makeLimitedDir(join(fake.mnt, 'a b'), { size: 1 << 20 }, '200000'), (err) => isVolError(err, 'QUOTA_UNSUPPORTED'));
  await assert.rejects(backend().makeLimitedDir(dataDir, { inodes: 0 }, '200000'), (err) => isVolError(err, 'INVALID_ARG'));
  await assert.rejects(backend().check({ size: 0 }, 'q'), (err) => isVolError(err, 'INVALID_ARG'));
  assert.equal(existsSync(dataDir), false);
  assert.equal(existsSync(join(fake.mnt, 'a b')), false);
  assert.deepEqual(calls(), []);
});

test('an existing directory is an error and is left alone', async () => {
  const dataDir = join(fake.mnt, '_data');
  mkdirSync(dataDir);
  await assert.rejects(backend().makeLimitedDir(dataDir, { size: 1 << 20 }, '200000'), (err) => isVolError(err, 'IO_FAILED') && err.message.includes(dataDir));
  assert.equal(existsSync(dataDir), true);
  assert.deepEqual(calls(), []);
});

test('usage reads every volume with one bounded report, in bytes and inodes', async () => {
  const usage = await backend().usage([{ id: '200001' }, { id: '200000' }, { id: '200002' }, { id: '0/257' }]);
  assert.deepEqual(calls(), ['report -p -b -i -n -N -L 200000 -U 200002']);
  assert.deepEqual(
    [...usage.entries()].sort(([a], [b]) => a.localeCompare(b)),
    [
      ['200000', { usedBytes: 19456 * 1024 }],
      ['200001', { usedBytes: 4 * 1024 }],
    ],
  );
});

test('usage of no volumes runs nothing', async () => {
  assert.equal((await backend().usage([])).size, 0);
  assert.deepEqual(calls(), []);
});

test('release drops every limit of the id and is safe to call twice', async () => {
  const b = backend();
  const dataDir = join(fake.mnt, 'gone', '_data');
  await b.release(dataDir, { id: '200000' });
  await b.release(dataDir, { id: '200000' });
  assert.deepEqual(calls(), ['limit -p bhard=0 bsoft=0 ihard=0 isoft=0 200000', 'limit -p bhard=0 bsoft=0 ihard=0 isoft=0 200000']);
});

test('a failed release is an IO_FAILED error with the tool output', async () => {
  await assert.rejects(backend({ XFS_FAKE_FAIL: 'limit' }).release('/x/_data', { id: '200000' }), (err) => isVolError(err, 'IO_FAILED') && /Function not implemented/.test(err.message));
});
