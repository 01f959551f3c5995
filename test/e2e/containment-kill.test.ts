import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN } from '../helpers/vol.ts';

const TRIES = 20;
const FILES = 8;
const FILE_BYTES = 1 << 20;
const ENV = { VOL_LOCK_STALE_MS: '2000' };
const content = (i: number) => Buffer.alloc(FILE_BYTES, 65 + i);

let base = '';
let root = '';
let archive = Buffer.alloc(0);

before(() => {
  base = makeTemp('vol-e2e-killimport-');
  root = join(base, 'root');
  const src = join(base, 'src');
  mkdirSync(src);
  for (let i = 0; i < FILES; i++) writeFileSync(join(src, `f${i}`), content(i));
  const r = spawnSync('tar', ['-cf', join(base, 'in.tar'), '-C', src, ...Array.from({ length: FILES }, (_, i) => `f${i}`)]);
  assert.equal(r.status, 0, String(r.stderr));
  archive = readFileSync(join(base, 'in.tar'));
});
after(() => removeTemp(base));

/** Feeds `vol import NAME -` the archive up to byte `cut`, then SIGKILLs it. */
async function importKilledAt(name: string, cut: number): Promise<void> {
  const child = spawn(VOL_BIN, ['--root', root, 'import', name, '-'], { env: childEnv(ENV), stdio: ['pipe', 'ignore', 'ignore'] });
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  child.stdin.on('error', () => {});
  for (let off = 0; off < cut; off += 64 * 1024) {
    const chunk = archive.subarray(off, Math.min(cut, off + 64 * 1024));
    await new Promise<void>((r) => child.stdin.write(chunk, () => r()));
  }
  // Give vol a moment to write what it read, so the kill lands inside a file.
  await sleep(30);
  child.kill('SIGKILL');
  await closed;
}

/** Asserts that every file in `_data` is one of the archive's, complete. */
function assertNoCutFile(name: string): number {
  const data = join(root, 'volumes', name, '_data');
  let complete = 0;
  for (const entry of readdirSync(data)) {
    const m = /^f(\d+)$/.exec(entry);
    assert.ok(m, `${name}: unexpected entry ${entry} in _data`);
    assert.ok(readFileSync(join(data, entry)).equals(content(Number(m[1]))), `${name}: ${entry} is cut short or wrong`);
    complete++;
  }
  return complete;
}

it(`a SIGKILLed import never leaves a cut file in _data (${TRIES} tries)`, async () => {
  let seen = 0;
  for (let i = 0; i < TRIES; i++) {
    const name = `k${i}`;
    const r = vol(root, ['create', name]);
    assert.equal(r.code, 0, r.stderr);
    // Cuts spread over the whole archive, each inside a file's data.
    const cut = Math.floor(((i + 0.5) / TRIES) * (archive.length - 1024));
    await importKilledAt(name, cut);
    seen += assertNoCutFile(name);
  }
  assert.ok(seen > 0 && seen < TRIES * FILES, `the kills should land part-way (complete files seen: ${seen})`);
  // The next import (once the killed one's lock has gone stale) clears what that one left staged.
  await sleep(2100);
  const r = spawnSync(VOL_BIN, ['--root', root, 'import', 'k10', '-'], { env: childEnv(ENV), input: archive });
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(assertNoCutFile('k10'), FILES);
  assert.deepEqual(readdirSync(join(root, 'volumes', 'k10')), ['_data']);
});
