import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vol, type VolRunOptions } from '../helpers/vol.ts';

/** One finding as `vol check --format json` prints it. */
export interface Finding {
  Kind: string;
  Volume: string;
  Path: string;
  Detail: string;
  Repair: string;
  Outcome?: string;
  Error?: string;
}

/** Runs `vol check [--repair] --format json`, asserting the exit code (0 clean, 1 findings remain; `any`: either) and an empty stderr. */
export function check(root: string, repair: boolean, expectCode: number | 'any', opts: VolRunOptions = {}): Finding[] {
  const r = vol(root, ['check', ...(repair ? ['--repair'] : []), '--format', 'json'], opts);
  assert.equal(r.stderr, '', `check wrote on stderr: ${r.stderr}`);
  if (expectCode === 'any') assert.ok(r.code === 0 || r.code === 1, `check exited ${r.code}: ${r.stdout}`);
  else assert.equal(r.code, expectCode, `check exited ${r.code}: ${r.stdout}`);
  return JSON.parse(r.stdout) as Finding[];
}

/** `KIND VOLUME` of each finding, sorted, for exact comparison. */
export function kinds(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.Kind} ${f.Volume}`).sort();
}

/** Edits the database of `root` directly, as an operator (or a bug) would, with foreign keys off. */
export function editDb(root: string, sql: string, ...params: unknown[]): void {
  const db = new Database(join(root, 'vol.db'));
  try {
    db.pragma('foreign_keys = OFF');
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

/** Changes the bytes `from` to `to` inside the root page of index `index` (same length), so the index disagrees with its table. */
export function corruptIndex(root: string, index: string, from: string, to: string): void {
  const file = join(root, 'vol.db');
  const db = new Database(file);
  const page = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(index) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  // Closing the last connection checkpoints the WAL into the main file.
  db.close();
  const bytes = readFileSync(file);
  const start = (page - 1) * size;
  const at = bytes.subarray(start, start + size).indexOf(from);
  assert.ok(at >= 0, `${from} is not in the root page of ${index}`);
  bytes.write(to, start + at);
  writeFileSync(file, bytes);
}

/** `TYPE VOLUME FINDING` of the repair events, in order. */
export function repairEvents(root: string): string[] {
  const r = vol(root, ['events', '--filter', 'type=repair', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { Volume: string; Attributes: { finding: string } })
    .map((e) => `${e.Attributes.finding} ${e.Volume}`)
    .sort();
}
