import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
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

test("a row a running bulk removal marked removing is gone to others: rm skips it, check leaves it, a killed one's is finished", async () => {
  const { processStartTime, bootId } = await import('../../src/lock/lock-owner.ts');
  for (const name of ['live', 'dead']) {
    await t.engine.create({ name });
    rmSync(join(t.root, 'volumes', name), { recursive: true });
  }
  // The parent process stands for a removal still running; a pid that cannot exist for one that was killed.
  const live = `${process.ppid}:${processStartTime(process.ppid)}:${bootId()}`;
  assert.equal(t.rt.store.transition('live', 'ready', 'removing', undefined, live), true);
  assert.equal(t.rt.store.transition('dead', 'ready', 'removing', undefined, `999999999:1:${bootId()}`), true);
  const check = await t.engine.check({ repair: false });
  assert.deepEqual(check.findings.map((f) => `${f.kind} ${f.volume}`), ['row-removing dead']);
  assert.match(String((await t.engine.rm({ names: ['live'], all: false, force: false }))[0]?.error), /no such volume/);
  assert.deepEqual(await t.engine.rm({ names: [], all: true, force: false }), [{ name: 'dead' }]);
  assert.deepEqual(t.rt.store.listNames(), ['live'], 'the running removal deletes its own row');
  assert.deepEqual(removeEvents(), ['remove dead']);
});
