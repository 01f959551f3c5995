import assert from 'node:assert/strict';
import { statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { tempRootPerTest } from './support.ts';

/** Runs the plugin as Nomad does: the operation as argument and DHV_OPERATION, the request in DHV_* variables. */
function plugin(root: string, op: string, env: Record<string, string> = {}) {
  return vol(root, ['nomad-host-volume', op], { env: { DHV_OPERATION: op, DHV_NODE_ID: 'node-1', DHV_NODE_POOL: 'default', DHV_NAMESPACE: 'ci', DHV_VOLUMES_DIR: '/unused', DHV_PLUGIN_DIR: '/unused', ...env } });
}

describe('vol nomad-host-volume (Nomad dynamic host volume plugin)', () => {
  const root = tempRootPerTest();

  test('fingerprint prints the version as JSON', () => {
    const r = plugin(root(), 'fingerprint');
    assert.equal(r.code, 0, r.stderr);
    assert.match(JSON.parse(r.stdout).version, /^\d+\.\d+\.\d+$/);
  });

  test('create makes a volume with the minimum capacity and labels; a repeated create returns the same; delete twice succeeds', () => {
    const env = { DHV_VOLUME_ID: 'a1b2c3d4-0000-4000-8000-000000000001', DHV_VOLUME_NAME: 'cache', DHV_CAPACITY_MIN_BYTES: String(16 << 20), DHV_CAPACITY_MAX_BYTES: String(32 << 20), DHV_PARAMETERS: '{"type":"tmpfs"}' };
    const r = plugin(root(), 'create', env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.bytes, 16 << 20);
    assert.equal(out.path, join(root(), 'volumes', env.DHV_VOLUME_ID, '_data'));
    const [info] = JSON.parse(vol(root(), ['inspect', env.DHV_VOLUME_ID]).stdout);
    assert.deepEqual([info.Labels['nomad.volume.name'], info.Labels['nomad.namespace'], info.Labels['nomad.node.id']], ['cache', 'ci', 'node-1']);
    assert.equal(info.Options.type, 'tmpfs');
    assert.equal(info.Quota.Size, 16 << 20);
    // The tmpfs is mounted, so the path Nomad binds into the task is the volume itself.
    assert.equal(info.MountCount, 1);
    assert.deepEqual(info.Holders, [{ ID: `nomad:${env.DHV_VOLUME_ID}` }]);
    const again = plugin(root(), 'create', env);
    assert.deepEqual([again.code, JSON.parse(again.stdout)], [0, out]);
    // A create with a larger capacity expands the volume (the tmpfs is resized in place).
    const grown = plugin(root(), 'create', { ...env, DHV_CAPACITY_MIN_BYTES: String(24 << 20) });
    assert.deepEqual([grown.code, JSON.parse(grown.stdout).bytes], [0, 24 << 20], grown.stderr);
    assert.equal(statfsSync(out.path).blocks * statfsSync(out.path).bsize, 24 << 20);
    for (let i = 0; i < 2; i++) {
      const d = plugin(root(), 'delete', { DHV_VOLUME_ID: env.DHV_VOLUME_ID, DHV_CREATED_PATH: out.path });
      assert.deepEqual([d.code, d.stdout, d.stderr], [0, '', '']);
    }
    assert.equal(vol(root(), ['ls', '-q']).stdout, '');
  });

  test('bad requests exit non-zero with an error in the JSON on stdout and one Error line on stderr', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['create', {}, /DHV_VOLUME_ID is not set/],
      ['create', { DHV_VOLUME_ID: 'v1', DHV_PARAMETERS: 'not json' }, /DHV_PARAMETERS is not JSON/],
      ['create', { DHV_VOLUME_ID: 'v1', DHV_PARAMETERS: '{"colour":"blue"}' }, /invalid mount option colour/],
      ['create', { DHV_VOLUME_ID: 'v1', DHV_CAPACITY_MIN_BYTES: '10', DHV_CAPACITY_MAX_BYTES: '5' }, /capacity_min 10 is more than capacity_max 5/],
      ['create', { DHV_VOLUME_ID: '../x' }, /names must match/],
      ['resize', {}, /unknown host volume operation "resize"/],
    ];
    for (const [op, env, phrase] of cases) {
      const r = plugin(root(), op, env);
      assert.equal(r.code, 125, `${op} ${JSON.stringify(env)}`);
      assert.match(JSON.parse(r.stdout).error, phrase);
      assert.match(r.stderr, /^Error: [^\n]*\n$/);
    }
    assert.equal(vol(root(), ['ls', '-q']).stdout, '');
  });
});

describe('[csi] in the config file', () => {
  test('overcommit must be true or false', () => {
    const dir = makeTemp('vol-csi-config-');
    try {
      const config = join(dir, 'vol.toml');
      writeFileSync(config, '[csi]\novercommit = "yes"\n');
      const r = vol(join(dir, 'root'), ['--config', config, 'ls']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: config file .*csi\.overcommit must be true or false, not the string "yes"\n$/);
    } finally {
      removeTemp(dir);
    }
  });
});
