// Shared by the events end-to-end tests: a root per test and readers of `vol events` output.
import assert from 'node:assert/strict';
import { vol } from '../helpers/vol.ts';
import { mountedRootPerTest } from './mount-support.ts';
import { assertOk } from './support.ts';

/** A fresh root per test (and temp dirs), with everything mounted below them cleaned up. */
export const { root, temp } = mountedRootPerTest();

/** One event as `vol events --format json` prints it; TimeNano is read from the raw digits (it does not fit a double). */
export interface Ev {
  ID: number;
  Time: string;
  TimeNano: bigint;
  Type: string;
  Volume: string;
  Driver: string;
  UID: number;
  PID: number;
  Attributes: Record<string, unknown>;
}

export const RFC3339_NANO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** Parses JSON lines, asserting every line is one JSON object whose TimeNano is a plain integer literal. */
export function parseJsonLines(stdout: string): Ev[] {
  assert.ok(stdout === '' || stdout.endsWith('\n'), `output does not end with a newline: ${JSON.stringify(stdout.slice(-80))}`);
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const obj = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof obj, 'object', line);
      const m = /"TimeNano":(\d+)[,}]/.exec(line);
      assert.ok(m, `TimeNano is not an integer literal in ${line}`);
      assert.equal(typeof obj.TimeNano, 'number', line);
      return { ...(obj as unknown as Ev), TimeNano: BigInt(m[1]!) };
    });
}

/** `vol events --format json ARGS`, asserting success; the events, oldest first. */
export function events(...args: string[]): Ev[] {
  const r = vol(root(), ['events', '--format', 'json', ...args]);
  assertOk(r);
  return parseJsonLines(r.stdout);
}

/** `vol events --format '{{.Type}} {{.Volume}}' ARGS`, asserting success; one string per event. */
export function brief(...args: string[]): string[] {
  const r = vol(root(), ['events', '--format', '{{.Type}} {{.Volume}}', ...args]);
  assertOk(r);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** What one expected event must be; labels/holder undefined means the attribute must be absent. */
export interface Expected {
  type: string;
  volume: string;
  driver?: string;
  labels?: Record<string, string>;
  holder?: string;
}

/** Asserts the fields every event must have right, one by one, and the order of time and ids. */
export function assertWellFormed(evs: Ev[], startedMs: number): void {
  const lo = BigInt(startedMs - 1000) * 1_000_000n;
  const hi = BigInt(Date.now() + 1000) * 1_000_000n;
  for (const [i, e] of evs.entries()) {
    const at = `event ${i} (${e.Type} ${e.Volume})`;
    assert.match(e.Time, RFC3339_NANO, at);
    // Time and TimeNano are the same instant.
    assert.equal(e.Time.slice(20, 29), (e.TimeNano % 1_000_000_000n).toString().padStart(9, '0'), `${at}: Time fraction vs TimeNano`);
    assert.equal(BigInt(Date.parse(e.Time)), e.TimeNano / 1_000_000n, `${at}: Time vs TimeNano`);
    assert.ok(e.TimeNano >= lo && e.TimeNano <= hi, `${at}: TimeNano ${e.TimeNano} is not within this test's run`);
    assert.equal(e.UID, 0, `${at}: uid (tests run as root)`);
    assert.ok(Number.isInteger(e.PID) && e.PID > 0, `${at}: pid ${e.PID}`);
    assert.notEqual(e.PID, process.pid, `${at}: pid is the test's own`);
    assert.ok(Number.isInteger(e.ID), `${at}: ID`);
    assert.equal(typeof e.Attributes, 'object', at);
    if (i > 0) {
      const prev = evs[i - 1]!;
      assert.ok(e.ID > prev.ID, `${at}: ID ${e.ID} after ${prev.ID}`);
      assert.ok(e.TimeNano >= prev.TimeNano, `${at}: TimeNano goes back (${prev.TimeNano} -> ${e.TimeNano})`);
      if (e.PID !== prev.PID) assert.ok(e.TimeNano > prev.TimeNano, `${at}: TimeNano not after the previous process's event`);
    }
  }
}

/** Asserts `evs` are exactly `expected`, in order: type, volume, driver, labels and holder attributes. */
export function assertEvents(evs: Ev[], expected: Expected[], context = ''): void {
  assert.deepEqual(
    evs.map((e) => `${e.Type} ${e.Volume}`),
    expected.map((x) => `${x.type} ${x.volume}`),
    `events ${context}`,
  );
  for (const [i, x] of expected.entries()) {
    const e = evs[i]!;
    const at = `event ${i} (${x.type} ${x.volume}) ${context}`;
    assert.equal(e.Driver, x.driver ?? 'local', `${at}: driver`);
    assert.deepEqual(e.Attributes.labels, x.labels, `${at}: labels attribute`);
    assert.equal(e.Attributes.holder, x.holder, `${at}: holder attribute`);
  }
}

/** Runs a command that must fail with `code`, and asserts it wrote no event. */
export function failsWithoutEvent(args: string[], code: number): void {
  const before = events();
  const r = vol(root(), args);
  assert.equal(r.code, code, `vol ${args.join(' ')}: exit code (stderr: ${r.stderr.trim()})`);
  assert.match(r.stderr, /Error: /, `vol ${args.join(' ')}: stderr`);
  assert.deepEqual(events(), before, `vol ${args.join(' ')} wrote an event`);
}

