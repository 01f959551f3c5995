import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';

const MiB = 1 << 20;
const IN_CI = process.env.CI === 'true';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function run(cmd: string, args: readonly string[]): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missing: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' };
}

function must(cmd: string, args: readonly string[]): string {
  const r = run(cmd, args);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.missing ? 'not installed' : r.stderr.trim()}`);
  return r.stdout;
}

/** Why this host cannot build the test file system, before anything is made; undefined when it can. */
function missingPrerequisite(): string | undefined {
  for (const tool of ['mkfs.xfs', 'xfs_quota']) if (run(tool, ['-V']).missing) return `${tool} is not installed (it comes with xfsprogs)`;
  if (process.getuid?.() !== 0) return 'loop-mounting an XFS image needs root';
  return undefined;
}

/** Skips with `reason`, except in CI, which installs xfsprogs and runs as root, so there it fails. */
function cannotRun(t: TestContext, reason: string): void {
  if (IN_CI) assert.fail(`the real-XFS test could not run in CI: ${reason}`);
  t.skip(reason);
}

/** The last kernel line about XFS quota, if dmesg may be read. */
function dmesgQuotaLine(): string | undefined {
  return run('dmesg', [])
    .stdout.split('\n')
    .filter((l) => /XFS.*quota/i.test(l))
    .pop()
    ?.trim();
}

/** Project ids of vol's range (200000 and up) that carry any limit, from xfs_quota itself. */
function limitedProjects(mnt: string): string[] {
  const text = must('xfs_quota', ['-x', '-c', 'report -p -b -i -n -N', mnt]);
  const ids: string[] = [];
  for (const line of text.split('\n')) {
    // `#id bused bsoft bhard bwarn [grace] iused isoft ihard iwarn [grace]`; grace may hold spaces.
    const f = line.replace(/\[[^\]]*\]/g, ' ').trim().split(/\s+/);
    const id = /^#(\d+)$/.exec(f[0] ?? '')?.[1];
    if (id === undefined || Number(id) < 200000) continue;
    if ([f[2], f[3], f[6], f[7]].some((n) => Number(n) > 0)) ids.push(`${id} bhard=${f[3]}KiB`);
  }
  return ids;
}

test('size=20M on a prjquota XFS stops writes near 20 MiB, shows in inspect, and rm drops the limit', async (t) => {
  const missing = missingPrerequisite();
  if (missing) return cannotRun(t, missing);
  const dir = makeTemp('vol-e2e-xfs-');
  const img = join(dir, 'xfs.img');
  const mnt = join(dir, 'mnt');
  let loop = '';
  let mounted = false;
  try {
    must('truncate', ['-s', '300M', img]);
    must('mkfs.xfs', ['-q', img]);
    mkdirSync(mnt);
    // An explicit loop device (not mount -o loop) so the finally block can always detach it.
    const lo = run('losetup', ['--find', '--show', img]);
    if (lo.status !== 0) return cannotRun(t, `cannot set up a loop device: ${lo.stderr.trim()}`);
    loop = lo.stdout.trim();
    const m = run('mount', ['-o', 'prjquota', loop, mnt]);
    if (m.status !== 0) {
      // A plain mount that works tells a kernel without XFS quota from a host that cannot mount at all.
      const plain = run('mount', [loop, mnt]);
      if (plain.status !== 0) return cannotRun(t, `cannot mount an XFS image here: ${m.stderr.trim()}`);
      mounted = true;
      const evidence = dmesgQuotaLine() ?? `a plain mount works, mount -o prjquota says: ${m.stderr.trim()}`;
      t.skip(`this kernel's XFS has no quota support (CONFIG_XFS_QUOTA is not set?): ${evidence}`);
      return;
    }
    mounted = true;

    const root = join(mnt, 'root');
    const created = vol(root, ['create', '--opt', 'size=20M', 'q']);
    assert.equal(created.stderr, '');
    assert.equal(created.code, 0);
    assert.equal(created.stdout, 'q\n');
    assert.equal(limitedProjects(mnt).length, 1, 'one project carries the limit');

    const fill = join(root, 'volumes', 'q', '_data', 'fill');
    const dd = run('dd', ['if=/dev/zero', `of=${fill}`, 'bs=1M', 'count=40']);
    assert.notEqual(dd.status, 0, 'writing 40 MiB into a 20 MiB volume must fail');
    assert.match(dd.stderr, /Disk quota exceeded/);
    const written = statSync(fill).size;
    assert.ok(written >= 16 * MiB && written <= 20 * MiB, `the write stopped at ${written} bytes`);
    must('sync', []);

    const inspected = vol(root, ['inspect', 'q']);
    assert.equal(inspected.stderr, '');
    assert.equal(inspected.code, 0);
    const [v] = JSON.parse(inspected.stdout) as Array<{ Quota?: { Size?: number; UsedBytes?: number } }>;
    assert.equal(v?.Quota?.Size, 20 * MiB);
    const used = v?.Quota?.UsedBytes ?? -1;
    assert.ok(used >= 16 * MiB && used <= 21 * MiB, `Quota.UsedBytes is ${used}`);

    const removed = vol(root, ['rm', 'q']);
    assert.equal(removed.stderr, '');
    assert.equal(removed.code, 0);
    assert.equal(removed.stdout, 'q\n');
    assert.equal(existsSync(join(root, 'volumes', 'q')), false);
    assert.deepEqual(limitedProjects(mnt), [], 'rm left a project limit behind');
  } finally {
    if (mounted && run('umount', [mnt]).status !== 0) run('umount', ['-l', mnt]);
    if (loop) run('losetup', ['-d', loop]);
    removeTemp(dir);
  }
});
