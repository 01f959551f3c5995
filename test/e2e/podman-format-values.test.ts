import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/state/migrations.ts';
import { vol } from '../helpers/vol.ts';
import { assertOk, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();
const GO_TIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,9}))? \+0000 UTC$/;
const RFC3339 = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;

function out(args: string[]): string {
  const r = vol(root(), args);
  assertOk(r);
  return r.stdout;
}

/** The nanoseconds since the epoch that a Go time or RFC 3339 string names. */
function nanos(s: string, re: RegExp): bigint {
  const m = re.exec(s);
  assert.ok(m, `${JSON.stringify(s)} does not match ${re}`);
  return BigInt(Date.parse(`${m[1]}T${m[2]}Z`)) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
}

describe('CreatedAt as Podman prints it', () => {
  test('kept below the millisecond: Go time.Time in templates, RFC 3339 with nanoseconds in JSON, the same instant', () => {
    const before = BigInt(Date.now() - 1000) * 1_000_000n;
    for (const n of ['a', 'b', 'c']) out(['create', n]);
    const after = BigInt(Date.now() + 1000) * 1_000_000n;
    const json = (JSON.parse(out(['inspect', 'a', 'b', 'c'])) as { CreatedAt: string }[]).map((v) => v.CreatedAt);
    const tpl = out(['ls', '--format', '{{.CreatedAt}}']).trimEnd().split('\n');
    assert.deepEqual(tpl.map((t) => nanos(t, GO_TIME)), json.map((j) => nanos(j, RFC3339)));
    for (const ns of json.map((j) => nanos(j, RFC3339))) assert.ok(ns > before && ns < after, `${ns} is not now`);
    // Each of three creations landing on a whole millisecond would be a one in 10^18 chance.
    assert.ok(json.some((j) => (nanos(j, RFC3339) % 1_000_000n) !== 0n), `no sub-millisecond digits in ${json}`);
  });

  test('rows from before the nanosecond column still read, at millisecond precision', () => {
    out(['create', 'old']);
    const db = new Database(join(root(), 'vol.db'));
    const ms = (db.prepare('SELECT created_at FROM volumes WHERE name = ?').pluck().get('old') as number);
    // Back to the schema just before the nanosecond column: it and every later step undone.
    const step = MIGRATIONS.findIndex((m) => m.name === 'created-at-nanoseconds');
    assert.ok(step > 0);
    const later: Record<string, string> = { 'removing-by': 'removing_by' };
    for (const m of MIGRATIONS.slice(step + 1)) {
      assert.ok(m.name in later, `the test does not know how to undo migration ${m.name}`);
      db.exec(`ALTER TABLE volumes DROP COLUMN ${later[m.name]}`);
    }
    db.exec('ALTER TABLE volumes DROP COLUMN created_ns');
    db.pragma(`user_version = ${step}`);
    db.close();
    const [info] = JSON.parse(out(['inspect', 'old'])) as { CreatedAt: string }[];
    assert.equal(nanos(info!.CreatedAt, RFC3339), BigInt(ms) * 1_000_000n);
    assert.equal(nanos(out(['inspect', '--format', '{{.CreatedAt}}', 'old']).trimEnd(), GO_TIME), BigInt(ms) * 1_000_000n);
  });

  test('ls --format json indents by two spaces, inspect by five, as Podman does', () => {
    out(['create', 'a']);
    assert.match(out(['ls', '--format', 'json']), /^\[\n {2}\{\n {4}"Name": "a",\n/);
    assert.match(out(['ls', '--format', '{{json .}}']), /^\[\n {2}\{\n {4}"Name": "a",\n/);
    assert.match(out(['inspect', 'a']), /^\[\n {5}\{\n {10}"Name": "a",\n/);
  });
});
