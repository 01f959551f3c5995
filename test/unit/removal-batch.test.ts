import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { RemovalBatch } from '../../src/core/removal-batch.ts';
import { removeOne } from '../../src/core/volume-remove.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
beforeEach(async () => {
  t = await openTestRuntime();
});
afterEach(() => t.dispose());

const removeEvents = () => [...t.rt.store.events({})].filter((e) => e.type === 'remove' || e.type === 'prune').map((e) => `${e.type} ${e.volume}`);

test('rm -a over more volumes than one commit holds removes every row, directory and lock, one event each', async () => {
  const names = Array.from({ length: 150 }, (_, i) => `v${String(i).padStart(3, '0')}`);
  for (const name of names) await t.engine.create({ name });
  const reports = await t.engine.rm({ names: [], all: true, force: false });
  assert.deepEqual(reports, names.map((name) => ({ name })));
  assert.deepEqual(t.rt.store.listNames(), []);
  assert.deepEqual(removeEvents().sort(), names.map((n) => `remove ${n}`).sort());
  for (const name of names) assert.equal(existsSync(join(t.root, 'volumes', name)), false);
});

test('a name given twice is removed once; the second is no such volume', async () => {
  await t.engine.create({ name: 'twice' });
  const reports = await t.engine.rm({ names: ['twice', 'twice'], all: false, force: false });
  assert.deepEqual(reports[0], { name: 'twice' });
  assert.equal(reports.length, 2);
  assert.match(String(reports[1]?.error), /no such volume/);
  assert.deepEqual(removeEvents(), ['remove twice']);
});

test('until its commit a removed volume\'s row stays removing; a volume made anew under the name meanwhile is kept', async () => {
  await t.engine.create({ name: 'again' });
  const batch = new RemovalBatch(t.rt);
  try {
    assert.deepEqual(await removeOne(t.rt, 'again', { quietIfGone: false, inUse: 'refuse', eventType: 'remove', batch }), { name: 'again' });
    assert.equal(t.rt.store.get('again')?.status, 'removing');
    assert.equal(existsSync(join(t.root, 'volumes', 'again')), false);
    // Another process finishes the removing row and makes the name again before the batch commits.
    t.rt.store.delete('again');
    await new Promise((r) => setTimeout(r, 5));
    await t.engine.create({ name: 'again' });
  } finally {
    batch.close();
  }
  assert.equal(t.rt.store.get('again')?.status, 'ready');
  assert.ok(existsSync(join(t.root, 'volumes', 'again', '_data')));
  assert.deepEqual(removeEvents(), [], 'an event for a deletion the batch did not make');
});
