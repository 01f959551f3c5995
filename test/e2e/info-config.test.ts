// End-to-end tests of `vol info`, and of plugins and XFS settings declared in the config file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeLoopFs, requireTool } from '../helpers/loopfs.ts';
import { startTestPlugin } from '../helpers/test-plugin.ts';
import { vol, volAsync } from '../helpers/vol.ts';
import { assertFails, assertOk, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();

/** Writes `text` as a config file in the test's root and returns its path. */
function config(text: string): string {
  const path = join(root(), 'vol.toml');
  writeFileSync(path, text);
  return path;
}

function infoJson(rootDir: string, ...globals: string[]): Record<string, unknown> {
  const r = vol(rootDir, [...globals, 'info', '--format', 'json']);
  assertOk(r);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('vol info', () => {
  test('the table names root, database, volume path, file system, quota backend and plugins', () => {
    const r = vol(root(), ['info']);
    assertOk(r);
    const rows = Object.fromEntries(r.stdout.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
    assert.deepEqual(Object.keys(rows), ['Root', 'Database', 'VolumePath', 'Filesystem', 'QuotaBackend', 'QuotaStatus', 'Plugins', 'ConfigFile']);
    assert.equal(rows.Root, root());
    assert.equal(rows.Database, join(root(), 'vol.db'));
    assert.equal(rows.VolumePath, join(root(), 'volumes'));
    assert.equal(rows.Plugins, '(none)');
    assert.equal(rows.ConfigFile, '(none)');
  });

  test('--format json and templates show the same facts', () => {
    const info = infoJson(root());
    assert.deepEqual(Object.keys(info), ['Root', 'Database', 'VolumePath', 'Filesystem', 'QuotaBackend', 'QuotaStatus', 'Plugins', 'ConfigFile']);
    const fs = execFileSync('stat', ['-f', '-c', '%T', join(root(), 'volumes')], { encoding: 'utf8' }).trim();
    // stat names ext2/ext3/ext4 all "ext2/ext3"; vol names the magic number's file system.
    if (fs === 'ext2/ext3') assert.equal(info.Filesystem, 'ext4');
    else assert.equal(typeof info.Filesystem, 'string');
    const r = vol(root(), ['info', '--format', '{{.QuotaBackend}} {{.Root}}']);
    assertOk(r, `${info.QuotaBackend} ${root()}\n`);
  });

  test('on btrfs: the backend, and whether quotas are enabled there', async (t) => {
    if (!requireTool(t, 'mkfs.btrfs', 'btrfs-progs')) return;
    const fs = makeLoopFs('btrfs', 300);
    try {
      const r = join(fs.mnt, 'root');
      const off = infoJson(r);
      assert.equal(off.Filesystem, 'btrfs');
      assert.equal(off.QuotaBackend, 'btrfs');
      assert.match(String(off.QuotaStatus), /btrfs quota enable /);
      execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
      assert.equal(infoJson(r).QuotaStatus, 'ready');
    } finally {
      fs.dispose();
    }
  });
});

describe('the config file', () => {
  test('[engine.volume_plugins] declares plugins; --volume-plugin overrides a config entry of the same name', async () => {
    const plugin = await startTestPlugin();
    try {
      const cfg = config(`[engine.volume_plugins]\ntp = ${JSON.stringify(plugin.socket)}\nother = "/nonexistent.sock"\n`);
      const made = await volAsync(root(), ['--config', cfg, 'create', '--driver', 'tp', 'pv']);
      assert.deepEqual([made.code, made.stdout, made.stderr], [0, 'pv\n', '']);
      assert.ok(plugin.volumes.has('pv'));
      const info = infoJson(root(), '--config', cfg, '--volume-plugin', 'other=/override.sock');
      assert.deepEqual(info.Plugins, { tp: plugin.socket, other: '/override.sock' });
    } finally {
      await plugin.close();
    }
  });

  test('invalid settings are refused naming the key', () => {
    assertFails(vol(root(), ['--config', config('[vol]\nxfs_project_base = -3\n'), 'ls']), 125, ['xfs_project_base']);
    assertFails(vol(root(), ['--config', config('[engine]\nvolume_plugins = 5\n'), 'ls']), 125, ['volume_plugins']);
    assertFails(vol(root(), ['--config', config('[engine]\nvolume_plugin_timeout = "x"\n'), 'ls']), 125, ['volume_plugin_timeout']);
  });
});
