// Filters through the engine over a real SQLite store: label pre-selection in SQL and event filters.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import type { VolumeEvent } from '../../src/core/model.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
beforeEach(async () => {
  t = await openTestRuntime();
});
afterEach(() => t.dispose());

async function names(...filters: string[]): Promise<string[]> {
  return (await t.engine.ls(filters)).volumes.map((v) => v.Name);
}

async function eventsOf(opts: Parameters<TestRuntime['engine']['events']>[0]): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of t.engine.events(opts) as AsyncIterable<VolumeEvent>) out.push(`${ev.type} ${ev.volume}`);
  return out;
}

test('1,000 label filters select in SQL without hitting its expression limits', async () => {
  const labels: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) labels[`k${i}`] = `v${i}`;
  const { k500: _, ...missing } = labels;
  await t.engine.create({ name: 'all', labels });
  await t.engine.create({ name: 'almost', labels: missing });
  await t.engine.create({ name: 'none' });
  const args = Object.entries(labels).map(([k, v]) => `label=${k}=${v}`);
  assert.deepEqual(await names(...args), ['all']);
  assert.deepEqual(await names(...Object.keys(labels).map((k) => `label=${k}`)), ['all']);
  assert.deepEqual(await names(...args.map((a) => a.replace('label=', 'label!='))), ['almost', 'none']);
  // 5,000 conditions, most on keys nobody has: still one parameter, and nothing matches.
  const many = Array.from({ length: 5000 }, (_, i) => `label=x${i}`);
  assert.deepEqual(await names(...many), []);
});

test('the store pre-selection ANDs conditions and treats K= as any value', async () => {
  await t.engine.create({ name: 'ab', labels: { a: 'b', b: 'c' } });
  await t.engine.create({ name: 'a', labels: { a: 'b' } });
  await t.engine.create({ name: 'empty', labels: { a: '' } });
  assert.deepEqual(t.rt.store.list({ allLabels: [{ key: 'a', value: 'b' }, { key: 'b', value: 'c' }] }).map((v) => v.name), ['ab']);
  assert.deepEqual(t.rt.store.list({ allLabels: [{ key: 'a' }, { key: 'a', value: 'b' }] }).map((v) => v.name), ['a', 'ab']);
  assert.deepEqual(await names('label=a='), ['a', 'ab', 'empty']);
  assert.deepEqual(await names('label=a=b', 'label=b=c'), ['ab']);
  assert.deepEqual(await names('label=a=b', 'label=b=x'), []);
  assert.deepEqual(await names('label=a=b', 'label=*b'), ['ab']);
});

test('event= tests the kind as type= does; type=volume is every kind; the keys are AND-ed', async () => {
  await t.engine.create({ name: 'v1' });
  await t.engine.rm({ names: ['v1'], all: false, force: false });
  assert.deepEqual(await eventsOf({ filters: ['event=create'] }), ['create v1']);
  assert.deepEqual(await eventsOf({ filters: ['event=create', 'event=remove'] }), ['create v1', 'remove v1']);
  assert.deepEqual(await eventsOf({ filters: ['type=volume', 'event=remove'] }), ['remove v1']);
  assert.deepEqual(await eventsOf({ filters: ['type=create', 'event=remove'] }), []);
  assert.deepEqual(await eventsOf({ filters: ['type=volume'] }), ['create v1', 'remove v1']);
  for (const bad of ['event=volume', 'event=start', 'type=container']) {
    await assert.rejects(eventsOf({ filters: [bad] }), (err) => isVolError(err, 'INVALID_ARG') && err.message.includes(`invalid event ${bad.split('=')[0]} "${bad.split('=')[1]}"`), bad);
  }
});

test('volume= takes the exact name, else a unique prefix of a volume or of stored events', async () => {
  for (const name of ['cache', 'cache2', 'data-1', 'gone-1']) await t.engine.create({ name });
  await t.engine.rm({ names: ['gone-1'], all: false, force: false });
  assert.deepEqual(await eventsOf({ filters: ['volume=cache'] }), ['create cache']);
  assert.deepEqual(await eventsOf({ filters: ['volume=dat'] }), ['create data-1']);
  // A removed volume is found by the prefix of its events.
  assert.deepEqual(await eventsOf({ filters: ['volume=gon'] }), ['create gone-1', 'remove gone-1']);
  assert.deepEqual(await eventsOf({ filters: ['volume=nothing'] }), []);
  await assert.rejects(eventsOf({ filters: ['volume=cach'] }), (err) => isVolError(err, 'AMBIGUOUS_NAME') && err.message === 'more than one result for volume name "cach"');
});

test('a follower whose --until has passed prints the stored events and ends', { timeout: 10_000 }, async () => {
  await t.engine.create({ name: 'v1' });
  assert.deepEqual(await eventsOf({ follow: true, until: '-1s' }), []);
  assert.deepEqual(await eventsOf({ follow: true, until: '0s' }), ['create v1']);
  // Without --since/--until a follower starts at the newest event and would wait: here it is aborted.
  const ctl = new AbortController();
  ctl.abort();
  assert.deepEqual(await eventsOf({ follow: true, signal: ctl.signal }), []);
});
