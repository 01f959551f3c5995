// A local volume's type, device and o options are parsed once, at create, and kept in the
// record; the store gives them back with every read, and plugin volumes have none.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { VolumeRecord } from '../../src/core/model.ts';
import { parseLocalOptions } from '../../src/local/options.ts';
import { openSqliteStore } from '../../src/state/sqlite-store.ts';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

const dir = makeTemp('vol-unit-mount-');
after(() => removeTemp(dir));

function record(name: string, driver: string, raw: Record<string, string>): VolumeRecord {
  const settings = driver === 'local' ? parseLocalOptions(raw) : { options: raw, noQuota: false };
  return { ...settings, name, driver, mountpoint: join(dir, 'volumes', name, '_data'), createdAt: 0, labels: {}, status: 'creating', mountCount: 0 };
}

test('what create parsed comes back from the store, in the listing too; plain and plugin volumes have none', () => {
  const store = openSqliteStore(join(dir, 'vol.db'), { eventsMax: 100 });
  try {
    const tmp = record('tmp', 'local', { type: 'tmpfs', device: 'tmpfs', o: 'uid=5,size=1M,nodev,timeout=3' });
    assert.deepEqual(tmp.mount, { type: 'tmpfs', device: 'tmpfs', options: ['uid=5', 'nodev'] });
    for (const rec of [tmp, record('plain', 'local', { o: 'size=1M' }), record('plug', 'other', { type: 'nfs', o: 'ro' })]) store.insertCreating(rec);
    assert.deepEqual(store.get('tmp')?.mount, tmp.mount);
    assert.equal(store.get('plain')?.mount, undefined);
    assert.equal(store.get('plug')?.mount, undefined);
    assert.deepEqual(store.list({ includeTransient: true }).map((v) => v.mount), [undefined, undefined, tmp.mount]);
  } finally {
    store.close();
  }
});
