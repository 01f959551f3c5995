// A bulk removal deletes the `removing` rows of the volumes it finished after their locks, many in
// one transaction: a row settled first by another command, or a volume of that name made (and marked
// by another removal) since, is left as it is, and an event is recorded exactly once per row that went.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { VolumeRecord } from '../../src/core/model.ts';
import { volumeEvent } from '../../src/core/new-event.ts';
import { openSqliteStore } from '../../src/state/sqlite-store.ts';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

const dir = makeTemp('vol-unit-delremoved-');
after(() => removeTemp(dir));

function record(name: string, createdAt: number): VolumeRecord {
  return { name, driver: 'local', mountpoint: join(dir, 'volumes', name, '_data'), createdAt, createdAtNs: 7, labels: {}, options: {}, noQuota: false, status: 'creating', mountCount: 0 };
}

test('deleteRemoved deletes only rows still removing for that removal, with one event each', () => {
  const store = openSqliteStore(join(dir, 'vol.db'), { eventsMax: 1000 });
  try {
    const recs = ['gone', 'settled', 'remade', 'ready'].map((n) => record(n, 1000));
    for (const rec of recs) {
      store.insertCreating(rec);
      store.transition(rec.name, 'creating', 'ready');
    }
    for (const name of ['gone', 'settled', 'remade']) assert.equal(store.transition(name, 'ready', 'removing', undefined, 'me'), true);
    assert.equal(store.get('gone')?.removingBy, 'me');
    // Another command settled one first, with its own event; a volume of another's name was made since.
    store.delete('settled', volumeEvent(recs[1]!, 'remove'));
    store.delete('remade');
    store.insertCreating(record('remade', 2000));
    store.transition('remade', 'creating', 'removing', undefined, 'another');
    store.deleteRemoved(recs.map((rec) => ({ name: rec.name, by: 'me', event: volumeEvent(rec, 'remove') })));
    assert.deepEqual(store.listNames().sort(), ['ready', 'remade']);
    assert.equal(store.get('remade')?.createdAt, 2000, 'the volume made since was left alone');
    const removes = [...store.events({})].filter((e) => e.type === 'remove').map((e) => e.volume);
    assert.deepEqual(removes.sort(), ['gone', 'settled'], 'one event per row that went');
    store.delete('gone', volumeEvent(recs[0]!, 'remove'));
    assert.equal([...store.events({})].filter((e) => e.volume === 'gone').length, 1, 'deleting a row that is gone records nothing');
  } finally {
    store.close();
  }
});

test('the events of a batch are trimmed once to the newest events_max, as single appends are', () => {
  const store = openSqliteStore(join(dir, 'trim.db'), { eventsMax: 5 });
  try {
    const recs = Array.from({ length: 8 }, (_, i) => record(`v${i}`, 1000));
    for (const rec of recs) {
      store.insertCreating(rec);
      store.transition(rec.name, 'creating', 'removing', undefined, 'me');
    }
    store.deleteRemoved(recs.map((rec) => ({ name: rec.name, by: 'me', event: volumeEvent(rec, 'remove') })));
    assert.deepEqual([...store.events({})].map((e) => e.volume), ['v3', 'v4', 'v5', 'v6', 'v7']);
    store.appendEvent(volumeEvent(recs[0]!, 'export'));
    assert.deepEqual([...store.events({})].map((e) => e.volume), ['v4', 'v5', 'v6', 'v7', 'v0']);
  } finally {
    store.close();
  }
});
