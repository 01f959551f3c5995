import { VolError } from '../core/errors.ts';

/** Global flags that take a value; they may come before or after the command. */
export const GLOBAL_WITH_VALUE: readonly string[] = ['--root', '--config', '--volume-plugin', '--log-level', '--log-format'];

/** The values `--log-level` and `--log-format` accept (shown in help and offered by completion). */
export const FIXED_GLOBAL_VALUES: Readonly<Record<string, readonly string[]>> = {
  '--log-level': ['debug', 'info', 'warn', 'error'],
  '--log-format': ['text', 'json'],
};

/** The global flag (with value) `arg` spells, in either `--root X` or `--root=X` form. */
function globalFlagOf(arg: string): string | undefined {
  const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
  return GLOBAL_WITH_VALUE.includes(flag) ? flag : undefined;
}

/** Index of the command word: the first argument that is neither a global flag nor its value. */
export function commandIndex(argv: readonly string[]): number {
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--') {
    i += globalFlagOf(argv[i]!) && !argv[i]!.includes('=') ? 2 : 1;
  }
  return i;
}

/**
 * The command line commander parses: `vol volume ls` is `vol ls` (scripts written for `podman
 * volume`), `vol system df` is `vol df`, and global flags after the command move before it, as
 * Podman's persistent flags work anywhere. `--` ends the search, so `vol create -- --root` makes
 * a volume named `--root`. Throws INVALID_ARG for a global flag at the end without its value.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const out = [...argv];
  const at = commandIndex(out);
  if (out[at] === 'volume') out.splice(at, 1);
  if (out[at] === 'system' && out[at + 1] === 'df') out.splice(at, 1);
  const hoisted: string[] = [];
  for (let i = at + 1; i < out.length; ) {
    const arg = out[i]!;
    if (arg === '--') break;
    if (!globalFlagOf(arg)) {
      i++;
      continue;
    }
    const takesNext = !arg.includes('=');
    // podman: cobra's words; moved before the command, `ls` would otherwise become the flag's value.
    if (takesNext && i + 1 >= out.length) throw new VolError('INVALID_ARG', `flag needs an argument: ${arg}`);
    hoisted.push(...out.splice(i, takesNext ? 2 : 1));
  }
  out.splice(at, 0, ...hoisted);
  return out;
}

/** The candidate nearest to `typed` by edit distance, when near enough to be a typo of it. */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(typed, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
