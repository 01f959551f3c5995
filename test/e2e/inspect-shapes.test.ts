// inspect --all prints most volumes from JSON text the state database builds, the others from
// their records: for volumes of every shape it must print what inspect NAME... prints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestPlugin, type TestPlugin } from '../helpers/test-plugin.ts';
import { makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';
import { assertOk } from './support.ts';

let root = '';
let plugin: TestPlugin;
before(async () => {
  [root, plugin] = [makeTemp('vol-inspect-shapes-'), await startTestPlugin({ name: 'tp' })];
});
after(async () => {
  // Whatever a failed assertion left mounted under the root is detached before the root goes.
  spawnSync('sh', ['-c', `grep -o ' ${root}/[^ ]*' /proc/self/mountinfo | xargs -r -n1 umount`]);
  await plugin.close();
  removeTemp(root);
});

/** Runs vol with the test plugin declared; asserts success and returns stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await volAsync(root, ['--volume-plugin', `tp=${plugin.socket}`, ...args]);
  assertOk(r);
  return r.stdout;
}

const TRICKY_LABELS = ['q="quoted"', 'bs=back\\slash\\', 'html=<a href="x">&amp;</a>', "apos=it's", 'uni=é中😀\u2028', 'ctl=a\tb\u0001c\u007f\u001f', 'empty=', '10=ten', '9=nine', '0=zero', 'é=key', 'k\\"=v'];

test('inspect --all prints, byte for byte, what inspect of every name prints', async () => {
  await ok('create', 'a-bare');
  await ok('create', ...TRICKY_LABELS.flatMap((l) => ['--label', l]), 'b-labels');
  await ok('create', '-o', 'nocopy', '--label', 'only=one', 'c-nocopy');
  await ok('create', '-o', 'o=uid=1000,gid=1001', 'd-owned');
  await ok('create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'size=5M', '--label', 'x=y', 'e-sized');
  await ok('mount', 'e-sized');
  await ok('create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'f-unmounted');
  await ok('create', 'g-held');
  await ok('mount', 'g-held', '--holder', 'c1');
  await ok('mount', 'g-held', '--holder', 'c2', '--pid', String(process.pid));
  await ok('create', '--driver', 'tp', '--label', 'p=q', 'h-plugin');
  await ok('create', '--label', 'z=last', 'i-bare-labelled');
  const names = ['a-bare', 'b-labels', 'c-nocopy', 'd-owned', 'e-sized', 'f-unmounted', 'g-held', 'h-plugin', 'i-bare-labelled'];
  try {
    const all = await ok('inspect', '--all');
    assert.equal(all, await ok('inspect', ...names));
    const shown = JSON.parse(all) as Record<string, unknown>[];
    assert.deepEqual(shown.map((v) => v.Name), names);
    // The shapes really are there: a mount, holders, quota usage, a plugin Status, every label.
    assert.equal(shown[4]!.MountCount, 1);
    assert.deepEqual((shown[4]!.Quota as { Backend: string }).Backend, 'tmpfs');
    assert.deepEqual(shown[6]!.Holders, [{ ID: 'c1' }, { ID: 'c2', PID: process.pid }]);
    assert.ok('Status' in shown[7]!);
    assert.equal(Object.keys(shown[1]!.Labels as object).length, TRICKY_LABELS.length);
    assert.deepEqual(Object.keys(shown[1]!.Labels as object).slice(0, 3), ['0', '9', '10']);
  } finally {
    await ok('unmount', 'e-sized');
  }
  assert.notEqual(spawnSync('mountpoint', ['-q', join(root, 'volumes', 'e-sized', '_data')]).status, 0);
});
