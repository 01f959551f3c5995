// inspect --all prints plain local volumes from text SQLite builds and the rest from records: the
// two must print the same bytes for every shape of volume, across any page size.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { FakePlugin, FakeQuota, fakePlugins, fakeQuotas } from '../helpers/fakes.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

let t: TestRuntime;
let plugin: FakePlugin;

beforeEach(async () => {
  plugin = new FakePlugin('fake');
  const tmpfs = new FakeQuota('tmpfs');
  tmpfs.usedBytes = 4096;
  t = await openTestRuntime({ plugins: fakePlugins(plugin), quota: fakeQuotas(tmpfs) }, { fake: '/nonexistent/fake.sock' });
});
afterEach(() => t.dispose());

/** What inspect --all printed before the store printed any text: JSON.stringify of every record's inspect object. */
async function byRecords(): Promise<string> {
  const { reports } = await t.engine.inspect([], true);
  return JSON.stringify(reports.map((r) => r.volume), null, 5);
}

/** The array the text pages make, as the CLI writes it (without its final newline). */
async function byText(pageSize: number): Promise<string> {
  const pages: string[] = [];
  await t.engine.inspectTextPages(async (items) => {
    pages.push(items.toString('utf8'));
    return true;
  }, pageSize);
  return pages.length === 0 ? '[]' : `[\n${pages.join(',\n')}\n]`;
}

/** Names the store left to the engine (not printed by SQLite), over the whole listing. */
function notPlain(): string[] {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = t.rt.store.inspectTextPage(after, 1000);
    if (page.count === 0) return out;
    out.push(...page.others.map((r) => r.name));
    after = page.last;
  }
}

async function assertSameBytes(): Promise<void> {
  const expected = await byRecords();
  for (const size of [1, 2, 3, 7, 1000]) {
    assert.equal(await byText(size), expected, `page size ${size}`);
  }
}

/** Edits rows behind the store's back, as a hand-edited or older database would have them. */
function tamper(sql: string, ...params: unknown[]): void {
  const db = new Database(join(t.root, 'vol.db'));
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

const TRICKY = ['"', '\\', '\\"', '<>&', "'", 'é', '中文', '😀', '\u2028\u2029', '\u007f', '\ufeff', '/', '\\u0041', ' ', ''];
const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');

describe('inspect --all text pages', () => {
  it('an empty store is an empty array, and one plain volume is printed by SQLite', async () => {
    assert.equal(await byText(1000), '[]');
    await t.engine.create({ name: 'one' });
    assert.deepEqual(notPlain(), []);
    await assertSameBytes();
  });

  it('labels and options with quotes, backslashes, markup, unicode and control characters', async () => {
    await t.engine.create({ name: 'empty-maps' });
    await t.engine.create({ name: 'tricky-values', labels: Object.fromEntries(TRICKY.map((v, i) => [`k${i}`, v])) });
    await t.engine.create({ name: 'tricky-keys', labels: Object.fromEntries(TRICKY.filter((k) => k !== '' && !/[\ue000-\uffff\u{10000}-\u{10ffff}]/u.test(k)).map((k, i) => [k, String(i)])) });
    await t.engine.create({ name: 'control', labels: { [CONTROL.slice(1)]: CONTROL, ctl: `a${CONTROL}b` } });
    await t.engine.create({ name: 'numeric-keys', labels: { b: '1', '10': 'x', '9': 'y', '0': 'z', '01': 'w', '4294967294': 'max', '4294967295': 'over', '-1': 'neg', '1.5': 'f', ' 1': 'sp', '1e3': 'exp', '-0': 'mz', '9223372036854775808': 'big', a: '2' } });
    await t.engine.create({ name: 'opts', options: { nocopy: '', copy: 'yes' }, labels: { z: '', a: 'quote"d' } });
    assert.deepEqual(notPlain(), []);
    await assertSameBytes();
  });

  it('uid, gid and mount counts of plain volumes', async () => {
    await t.engine.create({ name: 'owned', options: { o: 'uid=1000,gid=1001' } });
    await t.engine.create({ name: 'uid-only', options: { o: 'uid=0' } });
    await t.engine.create({ name: 'counted' });
    // A volume that mounts nothing counts no mounts; a count from elsewhere (an older vol) is shown as stored.
    tamper(`UPDATE volumes SET mount_count = 3 WHERE name = 'counted'`);
    // `o` with only uid/gid mounts nothing, yet the row has an `o` option: left to the engine.
    assert.deepEqual(notPlain(), ['owned', 'uid-only']);
    await assertSameBytes();
  });

  it('holders, plugin volumes, mount options and quota are left to the engine and merged in name order', async () => {
    await t.engine.create({ name: 'a-plain', labels: { x: 'y' } });
    await t.engine.create({ name: 'b-held' });
    await t.engine.mount('b-held', { id: 'c1' });
    await t.engine.mount('b-held', { id: 'c2', pid: process.pid });
    await t.engine.create({ name: 'c-plain' });
    await t.engine.create({ name: 'd-plugin', driver: 'fake', labels: { p: 'q' } });
    plugin.volumes.set('d-plugin', { Name: 'd-plugin', Status: { state: 'ok "quoted"' } });
    await t.engine.create({ name: 'e-plain' });
    await t.engine.create({ name: 'f-tmpfs', options: { type: 'tmpfs', device: 'tmpfs', size: '5M', o: 'mode=0700' } });
    await t.engine.create({ name: 'g-plain' });
    assert.deepEqual(notPlain(), ['b-held', 'd-plugin', 'f-tmpfs']);
    const all = await byRecords();
    assert.match(all, /"Holders"/);
    assert.match(all, /"Status"/);
    assert.match(all, /"UsedBytes": 4096/);
    await assertSameBytes();
  });

  it('a stale holder row still leaves the volume to the engine, which shows no holder', async () => {
    await t.engine.create({ name: 'stale' });
    await t.engine.mount('stale', { id: 'gone', pid: process.pid });
    tamper(`UPDATE volume_holders SET pid_start = 'another start' WHERE volume = 'stale'`);
    assert.deepEqual(notPlain(), ['stale']);
    assert.doesNotMatch(await byRecords(), /Holders/);
    await assertSameBytes();
  });

  it('keys the two languages sort or keep apart are left to the engine', async () => {
    await t.engine.create({ name: 'private-use', labels: { '\ue000': '1', '😀': '2', a: '3' } });
    await t.engine.create({ name: 'bmp-top', labels: { '\uffee': '1', '\u{10000}': '2' } });
    await t.engine.create({ name: 'proto', labels: { ['__proto__']: 'x', a: 'y' } });
    await t.engine.create({ name: 'value-only', labels: { a: '\ue000😀' } });
    await t.engine.create({ name: 'nul-key', labels: { '9\u0000': '1', '\na': '2', '\u0000': '3' } });
    assert.deepEqual(notPlain(), ['bmp-top', 'nul-key', 'private-use', 'proto']);
    await assertSameBytes();
  });

  it('creation times: whole seconds, milliseconds, nanoseconds, the epoch and the last second of year 9999', async () => {
    const times: [number, number][] = [[0, 0], [5, 0], [1_000, 0], [1_700_000_000_120, 0], [1_700_000_000_000, 100], [1_700_000_000_999, 999_999], [1_700_000_000_010, 500_000], [253_402_300_799_999, 1]];
    const rnd = seededRandom();
    for (let i = 0; i < 40; i++) times.push([rnd.upTo(253_402_300_799_999), rnd.coin() ? 0 : rnd.upTo(999_999)]);
    for (const [i, [ms, ns]] of times.entries()) {
      await t.engine.create({ name: `time-${String(i).padStart(2, '0')}` });
      tamper('UPDATE volumes SET created_at = ?, created_ns = ? WHERE name = ?', ms, ns, `time-${String(i).padStart(2, '0')}`);
    }
    assert.deepEqual(notPlain(), []);
    await rnd.reporting(assertSameBytes);
  });

  it('rows of other types or shapes than vol writes take the record path', async () => {
    const edits: [string, unknown][] = [
      ['labels', '{"a":1}'],
      ['labels', '{"a":"1","a":"2"}'],
      ['labels', '[]'],
      ['labels', '{"a":"\\ud800"}'],
      ['labels', '{"a":"\\u00e9\\/"}'],
      ['labels', '{ }'],
      ['options', '{"a":null}'],
      ['uid', 'seven'],
      ['gid', 1.5],
      ['mount_count', 2 ** 60],
      ['created_at', -1],
      ['created_at', 253_402_300_800_000],
      ['created_ns', 1_000_000],
    ];
    for (const [i, [column, value]] of edits.entries()) {
      await t.engine.create({ name: `edit-${String(i).padStart(2, '0')}` });
      tamper(`UPDATE volumes SET ${column} = ? WHERE name = ?`, value, `edit-${String(i).padStart(2, '0')}`);
    }
    // Valid JSON with escapes SQLite decodes as JSON.parse does, and a spaced empty object, stay plain.
    assert.deepEqual(notPlain(), ['edit-00', 'edit-01', 'edit-02', 'edit-03', 'edit-06', 'edit-07', 'edit-08', 'edit-09', 'edit-10', 'edit-11', 'edit-12']);
    await assertSameBytes();
  });

  it('a row whose labels are not JSON fails inspect --all on both paths', async () => {
    await t.engine.create({ name: 'broken' });
    tamper(`UPDATE volumes SET labels = '{"a":' WHERE name = 'broken'`);
    await assert.rejects(byRecords(), SyntaxError);
    await assert.rejects(byText(1000), SyntaxError);
  });

  it('volumes being created or removed are not listed', async () => {
    await t.engine.create({ name: 'ready' });
    await t.engine.create({ name: 'going' });
    t.rt.store.transition('going', 'ready', 'removing');
    assert.equal(await byText(1000), await byRecords());
    assert.doesNotMatch(await byText(1000), /going/);
  });

  it('random labels of tricky characters print the same bytes', async () => {
    const rnd = seededRandom();
    const alphabet = ['a', 'Z', '0', '9', '"', '\\', '<', '&', 'é', '\u0000', '\n', '\t', '\u001f', '\u007f', '\u2028', '中', '.', '-', '=', ','];
    const word = () => Array.from({ length: rnd.upTo(5) }, () => alphabet[rnd.upTo(alphabet.length - 1)]!).join('');
    await rnd.reporting(async () => {
      const nulKeyed: string[] = [];
      for (let i = 0; i < 60; i++) {
        const labels: Record<string, string> = {};
        for (let j = rnd.upTo(4); j > 0; j--) labels[word() || 'k'] = word();
        const name = `rnd-${String(i).padStart(3, '0')}`;
        await t.engine.create({ name, labels });
        if (Object.keys(labels).some((k) => k.includes('\u0000'))) nulKeyed.push(name);
      }
      // A NUL in a key is left to the engine: SQLite's GLOB, which orders keys, stops at it.
      assert.deepEqual(notPlain(), nulKeyed);
      await assertSameBytes();
    });
  });
});
