import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeLoopFs, requireTool } from '../helpers/loopfs.ts';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { check, kinds, repairEvents } from './check-support.ts';

/**
 * A btrfs wrapper that reports one more level-0 qgroup, 0/777, whose subvolume does not exist,
 * until it is destroyed. This kernel drops the qgroup of a deleted subvolume itself and refuses
 * to make one for a missing subvolume, so a real leftover cannot be made here; older kernels
 * leave them behind when a process is killed between the delete and `qgroup destroy`.
 */
function staleQgroupBtrfs(dir: string): string {
  const real = execFileSync('sh', ['-c', 'command -v btrfs'], { encoding: 'utf8' }).trim();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const gone = join(dir, 'destroyed');
  writeFileSync(
    join(bin, 'btrfs'),
    `#!/bin/sh
if [ "$1 $2" = "qgroup show" ]; then
  ${real} "$@" || exit $?
  [ -f ${gone} ] || echo "0/777        16384        16384   <stale>"
  exit 0
fi
if [ "$1 $2 $3" = "qgroup destroy 0/777" ]; then touch ${gone}; exit 0; fi
exec ${real} "$@"
`,
  );
  chmodSync(join(bin, 'btrfs'), 0o755);
  return bin;
}

test('check on a btrfs volume path: a stale qgroup is destroyed; an orphan moves to lost+found on that file system', async (t) => {
  if (!requireTool(t, 'mkfs.btrfs', 'btrfs-progs')) return;
  const fs = makeLoopFs('btrfs', 300);
  const root = makeTemp('vol-e2e-checkq-');
  try {
    execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
    const volumes = join(fs.mnt, 'volumes');
    const config = join(root, 'vol.toml');
    writeFileSync(config, `[engine]\nvolume_path = "${volumes}"\n`);
    const tools = makeTemp('vol-e2e-checkq-tools-');
    const env = { VOL_CONFIG: config, PATH: `${staleQgroupBtrfs(tools)}:${process.env.PATH}` };
    try {
      const c = vol(root, ['create', '--opt', 'size=10M', 'q'], { env });
      assert.equal(c.code, 0, c.stderr);
      mkdirSync(join(volumes, 'orph', '_data'), { recursive: true });
      writeFileSync(join(volumes, 'orph', '_data', 'f'), 'x');

      const found = check(root, false, 1, { env });
      assert.deepEqual(kinds(found), ['orphan-dir orph', 'quota-leftover ']);
      const q = found.find((f) => f.Kind === 'quota-leftover')!;
      assert.match(q.Detail, /btrfs qgroup 0\/777 belongs to no subvolume and no volume/);
      // The root is on another file system: a rename cannot cross it, so lost+found is beside the volumes.
      assert.match(found.find((f) => f.Kind === 'orphan-dir')!.Repair, new RegExp(`move it to ${volumes}/lost\\+found/`));

      const repaired = check(root, true, 0, { env });
      for (const f of repaired) assert.equal(f.Outcome, 'repaired', `${f.Kind}: ${f.Error ?? ''}`);
      assert.ok(existsSync(join(tools, 'destroyed')), 'qgroup destroy 0/777 was not run');
      const lost = readdirSync(join(volumes, 'lost+found'));
      assert.equal(lost.length, 2);
      assert.deepEqual(check(root, false, 0, { env }), [], 'lost+found itself must not be an orphan');
      assert.deepEqual(repairEvents(root), ['orphan-dir orph', 'quota-leftover ']);
      const rm = vol(root, ['rm', 'q'], { env });
      assert.equal(rm.code, 0, rm.stderr);
    } finally {
      removeTemp(tools);
    }
  } finally {
    fs.dispose();
    removeTemp(root);
  }
});
