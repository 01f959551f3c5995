// The root: unreadable, not a directory, empty, or holding a newer vol's database is an error, never an empty store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN, type VolRun } from '../helpers/vol.ts';
import { assertFails, assertOk } from './support.ts';

// Any unused uid and gid: setpriv needs no account.
const UID = '1500';

let dir = '';
let root = '';
beforeEach(() => {
  dir = makeTemp('vol-broot-');
  // The test's directory may be entered by anyone; the root itself is root's, 0700.
  chmodSync(dir, 0o755);
  root = join(dir, 'root');
  assertOk(vol(root, ['create', 'demo']));
  chmodSync(root, 0o700);
});
afterEach(() => removeTemp(dir));

/** Runs `vol --root ROOT ARGS...` as an unprivileged uid and gid without supplementary groups. */
function asUser(args: string[], rootDir = root): VolRun {
  const r = spawnSync('setpriv', [`--reuid=${UID}`, `--regid=${UID}`, '--clear-groups', VOL_BIN, '--root', rootDir, ...args], {
    encoding: 'utf8',
    env: childEnv({ HOME: dir }),
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs vol with exactly the environment given (no --root flag). */
function withEnv(env: Record<string, string>, args: string[]): VolRun {
  const r = spawnSync(VOL_BIN, args, { encoding: 'utf8', env: childEnv(env) });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Reads (and with `set`, first writes) the schema version of a database, as a newer vol would leave it. */
function userVersion(file: string, set?: number): number {
  const db = new Database(file);
  try {
    if (set !== undefined) db.pragma(`user_version = ${set}`);
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('a root the user cannot read', () => {
  test('ls, exists, inspect and create fail with 125 and permission denied naming the root', () => {
    for (const args of [['ls'], ['exists', 'demo'], ['inspect', 'demo'], ['ls', '-q'], ['create', 'other']]) {
      assertFails(asUser(args), 125, ['permission denied', root], {});
    }
    // Nothing changed: root still sees its one volume.
    assertOk(vol(root, ['ls', '-q']), 'demo\n');
  });

  test('a readable root whose database the user cannot read: permission denied naming the database', () => {
    chmodSync(root, 0o755);
    const db = join(root, 'vol.db');
    chmodSync(db, 0o600);
    for (const args of [['ls'], ['exists', 'demo'], ['inspect', 'demo']]) assertFails(asUser(args), 125, ['permission denied', db]);
    assertOk(vol(root, ['ls', '-q']), 'demo\n');
  });

  test('a root below a directory the user cannot enter: permission denied too', () => {
    assertFails(asUser(['ls'], join(root, 'inner')), 125, ['permission denied', join(root, 'inner')]);
  });
});

describe('a root that is not a directory', () => {
  test('VOL_ROOT or --root naming a file: not a directory, the file untouched', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'keep');
    for (const args of [['ls'], ['exists', 'demo'], ['inspect', '--all'], ['create', 'x']]) {
      assertFails(withEnv({ VOL_ROOT: file }, args), 125, ['not a directory', file]);
      assertFails(vol(file, args), 125, ['not a directory', file]);
    }
    assert.equal(readFileSync(file, 'utf8'), 'keep');
  });

  test('a root below a file: not a directory', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'keep');
    assertFails(vol(join(file, 'root'), ['ls']), 125, ['not a directory']);
  });
});

describe('an empty root', () => {
  test("--root '' and VOL_ROOT= are errors, never the working directory", () => {
    const cwd = makeTemp('vol-broot-cwd-');
    try {
      const run = (args: string[], env: Record<string, string> = {}) => {
        const r = spawnSync(VOL_BIN, args, { encoding: 'utf8', cwd, env: childEnv(env) });
        return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
      };
      assertFails(run(['--root', '', 'ls']), 125, ['--root ""']);
      assertFails(run(['--root', '', 'create', 'x']), 125, ['--root ""']);
      assertFails(run(['ls'], { VOL_ROOT: '' }), 125, ['VOL_ROOT ""']);
      assertFails(run(['create', 'x'], { VOL_ROOT: '' }), 125, ['VOL_ROOT ""']);
      assert.deepEqual(spawnSync('ls', ['-A', cwd], { encoding: 'utf8' }).stdout, '', 'nothing made in the cwd');
    } finally {
      removeTemp(cwd);
    }
  });
});

describe('a database from a newer vol', () => {
  test('is refused naming both schema versions, and the file is not changed', () => {
    const db = join(root, 'vol.db');
    userVersion(db, 99);
    const before = sha(db);
    for (const args of [['ls'], ['exists', 'demo'], ['inspect', 'demo'], ['create', 'x'], ['rm', 'demo']]) {
      assertFails(vol(root, args), 125, [/created by a newer vol \(schema 99, this vol knows \d+\)/, db]);
    }
    assert.equal(sha(db), before, 'the database file is unchanged');
    assert.equal(userVersion(db), 99);
  });
});
