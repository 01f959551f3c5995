// rm -a killed while it deletes from its trash: every volume ls still lists keeps its directory,
// check never takes the trash for an orphan, and the next rm -a deletes what the killed one left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TRASH } from '../../src/local/volume-trash.ts';
import { lsNames, spawnVol, volumeDirEntries, waitFor } from '../helpers/e2e.ts';
import { childEnv, makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';

const POPULATE = resolve(fileURLToPath(import.meta.url), '..', 'boundary-populate.ts');
const COUNT = 1500;

describe('rm -a killed mid-way', () => {
  it('leaves every listed volume whole, and the next rm -a deletes what it left in the trash', { timeout: 180_000 }, async () => {
    const base = makeTemp('vol-e2e-trashkill-');
    const root = join(base, 'root');
    try {
      const pop = spawnSync(process.execPath, ['--import', 'tsx', POPULATE, root, String(COUNT)], { encoding: 'utf8', env: childEnv() });
      assert.equal(pop.status, 0, pop.stderr);
      const volumes = join(root, 'volumes');
      const rm = spawnVol(root, ['rm', '-a']);
      // Killed once it has removed some volumes, while its trash exists.
      await waitFor('rm -a to be part-way through', () => existsSync(join(volumes, TRASH)) && readdirSync(volumes).length < COUNT - 100, 60_000);
      rm.child.kill('SIGKILL');
      const killed = await rm.done;
      assert.equal(killed.signal, 'SIGKILL', 'rm -a finished before the kill: the test proved nothing');

      const listed = await lsNames(root);
      assert.ok(listed.length > 0 && listed.length < COUNT, `${listed.length} listed`);
      for (const name of listed) assert.ok(existsSync(join(volumes, name, '_data')), `volume ${name} is listed but its _data is gone`);
      const check = await volAsync(root, ['check']);
      assert.doesNotMatch(check.stdout + check.stderr, new RegExp(TRASH.replace('+', '\\+')), 'check reported the trash');

      const again = await volAsync(root, ['rm', '-a']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(await lsNames(root), []);
      assert.deepEqual(volumeDirEntries(root), [], 'the next rm -a left part of the trash behind');
    } finally {
      removeTemp(base);
    }
  });
});
