import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built command, spawned exactly as a user runs it. */
export const VOL_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'vol');

/** What a finished vol process left. */
export interface VolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of one vol run. */
export interface VolRunOptions {
  env?: Record<string, string>;
  input?: string;
}

/** Makes a fresh temporary directory; remove it with `removeTemp`. */
export function makeTemp(prefix = 'vol-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a temporary directory made by `makeTemp`. */
export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Variables a spawned vol inherits from the test process; everything else it gets only when a test sets it. */
const INHERITED = ['PATH', 'HOME', 'LANG', 'TMPDIR'] as const;

/**
 * The environment of a spawned vol: an allow-list of the parent's variables plus what the test
 * sets (`undefined` removes one). Never the parent's whole environment: a stray NODE_OPTIONS or
 * NODE_EXTRA_CA_CERTS would change every run.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `vol --root ROOT ARGS...` synchronously. */
export function vol(root: string, args: readonly string[], opts: VolRunOptions = {}): VolRun {
  const r = spawnSync(VOL_BIN, ['--root', root, ...args], { encoding: 'utf8', env: childEnv(opts.env), input: opts.input ?? '' });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `vol --root ROOT ARGS...` asynchronously (for concurrency tests). */
export function volAsync(root: string, args: readonly string[], opts: VolRunOptions = {}): Promise<VolRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(VOL_BIN, ['--root', root, ...args], { env: childEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    // A child killed before it reads its stdin makes this write fail with EPIPE; the test looks at the exit instead.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
