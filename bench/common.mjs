// Shared by the benchmark scripts: where vol is, a clean environment for it, and small statistics
// and table helpers.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
/** The command under test, spawned as a user runs it. */
export const VOL_BIN = join(REPO, 'bin', 'vol');
/** This Node, for spawning helpers. */
export const NODE = process.execPath;
/** vol gets a clean environment: no VOL_* variable of the caller's may change what is measured. */
export const VOL_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VOL_')));

/** The median of `xs` (NaN when empty). */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** An integer setting from the environment, at least `min`. */
export function intEnv(name, def, min = 0) {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** Milliseconds for people: `1.23 s`, `45.6 ms`, `n/a`. */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Prints a plain-text table with a dashed rule under the header. */
export function table(head, rows) {
  tableIndented('', head, rows);
}

/** The same, each line prefixed by `indent`. */
export function tableIndented(indent, head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => indent + cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

/**
 * Runs a bench script's `main`, reporting a failure as `<label> failed` with exit code 1, and
 * calls `cleanup` when it ends, fails, or is interrupted (SIGINT 130, SIGTERM 143).
 */
export async function runBench(label, main, cleanup) {
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  process.on('SIGTERM', () => { cleanup(); process.exit(143); });
  try {
    await main();
  } catch (err) {
    console.error(`\n${label} failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  } finally {
    cleanup();
  }
}
