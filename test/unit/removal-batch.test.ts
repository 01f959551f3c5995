import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
beforeEach(async () => {
  t = await openTestRuntime();
});
afterEach(() => t.dispose());

const removeEvents = () => [...t.rt.store.events({})].filter((e) => e.type === 'remove' || e.type === 'prune').map((e) => `${e.type} ${e.volume}`);

test('rm -a with one batch for all removes every row, directory and lock, one event each', async () => {
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
