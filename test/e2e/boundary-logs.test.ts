// Logs and errors on stderr: Warning lines by default, pino JSON only when asked, values cut short, bugs called bugs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { vol } from '../helpers/vol.ts';
import { dataDir } from '../helpers/e2e.ts';
import { assertFails, assertOk, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();

/** A volume `ff` holding a FIFO, which export leaves out with a warning. */
function volumeWithFifo(): void {
  assertOk(vol(root(), ['create', 'ff']), 'ff\n');
  execFileSync('mkfifo', [join(dataDir(root(), 'ff'), 'fifo')]);
}

describe('warnings', () => {
  test('at the default level a warning is one `Warning: <text>` line, not pino JSON', () => {
    volumeWithFifo();
    const tar = join(root(), 'ff.tar');
    const r = vol(root(), ['export', 'ff', '-o', tar]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'Warning: export of volume ff leaves out fifo: tar here holds files, directories and links only\n');
    assert.ok(existsSync(tar));
  });

  for (const [how, args, env] of [
    ['--log-format json', ['--log-format', 'json'], {}],
    ['VOL_LOG_FORMAT=json', [], { VOL_LOG_FORMAT: 'json' }],
  ] as const) {
    test(`${how}: the same warning as a pino JSON line`, () => {
      volumeWithFifo();
      const r = vol(root(), [...args, 'export', 'ff', '-o', join(root(), 'ff.tar')], { env });
      assert.equal(r.code, 0);
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stderr);
      const rec = JSON.parse(lines[0]!) as { level: number; msg: string };
      assert.equal(rec.level, 40);
      assert.match(rec.msg, /^export of volume ff leaves out fifo/);
    });
  }

  test('an unknown --log-format is an error', () => {
    assertFails(vol(root(), ['--log-format', 'xml', 'ls']), 125, ['invalid log format "xml"', 'text, json']);
  });
});

describe('values echoed in errors', () => {
  test('a 100 KB holder id is cut to 200 characters and "..."', () => {
    assertOk(vol(root(), ['create', 'v']), 'v\n');
    const holder = 'h'.repeat(100_000);
    const r = vol(root(), ['unmount', '--holder', holder, 'v']);
    assertFails(r, 125, [`no holder ${'h'.repeat(200)}...`]);
    assert.ok(r.stderr.length < 400, `stderr is ${r.stderr.length} characters`);
    assertOk(vol(root(), ['inspect', '--format', '{{.MountCount}}', 'v']), '0\n');
  });

  test('an error naming many long values stays one line of bounded length', () => {
    const names = Array.from({ length: 50 }, (_, i) => `m${i}-${'z'.repeat(150)}`);
    const r = vol(root(), ['inspect', ...names]);
    assert.equal(r.code, 125);
    for (const line of r.stderr.split('\n').filter(Boolean)) {
      assert.match(line, /^Error: /);
      assert.ok(line.length <= 2010, `a line of ${line.length} characters`);
    }
  });
});

describe('unexpected errors', () => {
  /** Drops a table behind vol's back: opening the store then fails with a plain SQLite error, not a VolError. */
  function breakDatabase(): void {
    assertOk(vol(root(), ['create', 'v']), 'v\n');
    const db = new Database(join(root(), 'vol.db'));
    try {
      db.exec('DROP TABLE volume_holders');
    } finally {
      db.close();
    }
  }

  test('print `Error: internal error: <message> (run with --log-level debug for details)` and exit 125', () => {
    breakDatabase();
    const r = vol(root(), ['ls']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: internal error: [^\n]*no such table[^\n]* \(run with --log-level debug for details\)\n$/);
    assert.equal(r.stdout, '');
  });

  test('--log-level debug adds the stack', () => {
    breakDatabase();
    const r = vol(root(), ['--log-level', 'debug', 'ls']);
    assert.equal(r.code, 125);
    const [first, ...rest] = r.stderr.split('\n');
    assert.match(first!, /^Error: internal error: .*no such table/);
    assert.match(rest.join('\n'), /^Debug: internal error: SqliteError: [^\n]*\n\s+at /);
  });
});
