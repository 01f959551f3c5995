import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { VolError } from './errors.ts';
import type { VolumeRecord } from './model.ts';
import { parseTimestamp } from './time.ts';
import type { LabelCondition, VolumeBrief } from '../state/store.ts';

/** A predicate over volumes plus what the store can pre-select with its indexes. */
export interface CompiledFilter {
  /** When set, only volumes with every one of these labels can match. */
  allLabels?: LabelCondition[];
  matches(v: VolumeRecord): boolean;
  /**
   * The same test over name and driver alone, when nothing else is needed: the keys left to test
   * read only those, and every label= condition is one of `allLabels`, which the store applies.
   */
  matchesBrief?: (v: VolumeBrief) => boolean;
}

/** What compiling needs from outside: the clock and the creation time of a named volume. */
export interface FilterContext {
  now: number;
  createdAtOf(name: string): number | undefined;
  /** Whether a volume has live holders. */
  inUse(name: string): boolean;
}

type Predicate<T = VolumeRecord> = (v: T) => boolean;
/** Compiles every value given for one key into one predicate. */
type Compiler<T = VolumeRecord> = (values: readonly string[], ctx: FilterContext) => Predicate<T>;

/** Any value matching: how every key but the label ones combines its values. */
function anyOf<T = VolumeRecord>(one: (value: string, ctx: FilterContext) => Predicate<T>): Compiler<T> {
  return (values, ctx) => {
    const preds = values.map((value) => one(value, ctx));
    return (v) => preds.some((p) => p(v));
  };
}

/** The keys whose test reads only a volume's name and driver. */
const BRIEF_COMPILERS: Record<string, Compiler<VolumeBrief>> = {
  name: anyOf<VolumeBrief>((value) => {
    const re = compileRegex(value);
    return (v) => re.test(v.name);
  }),
  driver: anyOf<VolumeBrief>((value) => (v) => v.driver === value),
  scope: anyOf<VolumeBrief>((value) => () => value === 'local'),
  dangling: anyOf<VolumeBrief>((value, ctx) => {
    const lower = value.toLowerCase();
    if (!['true', '1', 'false', '0'].includes(lower)) {
      throw new VolError('INVALID_ARG', `${JSON.stringify(value)} is not a valid value for the "dangling" filter - must be true or false`);
    }
    // podman: dangling means no container uses it; in vol, no live holder holds it.
    const dangling = lower === 'true' || lower === '1';
    return (v) => ctx.inUse(v.name) !== dangling;
  }),
};

const COMPILERS: Record<string, Compiler> = {
  ...BRIEF_COMPILERS,
  // Podman 5's MatchLabelFilters: every label= value must match; label!= is its negation.
  label: (values) => allLabelsMatcher(values),
  'label!': (values) => {
    const all = allLabelsMatcher(values);
    return (v) => !all(v);
  },
  opt: anyOf((value) => {
    const [key, want] = splitOnce(value);
    const lower = key.toLowerCase();
    // Option keys are matched in any case: rows written before keys had one spelling keep theirs.
    return (v) => Object.entries(v.options).some(([k, val]) => k.toLowerCase() === lower && (!want || val === want));
  }),
  until: anyOf((value, ctx) => {
    const t = parseTimestamp(value, ctx.now, 'until filter');
    return (v) => v.createdAt < t;
  }),
  after: anyOf((value, ctx) => createdAfter(value, ctx)),
  since: anyOf((value, ctx) => createdAfter(value, ctx)),
};

/** Filter keys ls and prune accept. */
export const FILTER_KEYS: readonly string[] = Object.keys(COMPILERS);

/** Splits `KEY=VALUE` filter arguments, grouping values by key; rejects unknown keys. */
export function parseFilterArgs(args: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new VolError('INVALID_ARG', `invalid filter ${JSON.stringify(arg)}: expected KEY=VALUE`);
    const key = arg.slice(0, eq);
    if (!Object.hasOwn(COMPILERS, key)) throw new VolError('INVALID_ARG', `${JSON.stringify(key)} is an invalid volume filter`);
    const values = out.get(key);
    if (values) values.push(arg.slice(eq + 1));
    else out.set(key, [arg.slice(eq + 1)]);
  }
  return out;
}

/**
 * Compiles grouped filters as Podman 5 does: repeated `label=` values are AND-ed and `label!=`
 * is their negation; the values of any other key are OR-ed; different keys are AND-ed.
 */
export function compileFilters(filters: Map<string, string[]>, ctx: FilterContext): CompiledFilter {
  const preds: Predicate[] = [];
  const briefPreds: Predicate<VolumeBrief>[] = [];
  // Every label= condition must hold, so any of them narrows the listing; globs need the keys in memory.
  const indexed = (filters.get('label') ?? []).filter((l) => !splitOnce(l)[0].includes('*')).map(toCondition);
  let brief = true;
  for (const [key, values] of filters) {
    if (Object.hasOwn(BRIEF_COMPILERS, key)) {
      const pred = BRIEF_COMPILERS[key]!(values, ctx);
      preds.push(pred);
      briefPreds.push(pred);
    } else {
      preds.push(COMPILERS[key]!(values, ctx));
      if (key !== 'label' || indexed.length !== values.length) brief = false;
    }
  }
  return {
    allLabels: indexed.length > 0 ? dedupe(indexed) : undefined,
    matches: (v) => preds.every((p) => p(v)),
    matchesBrief: brief ? (v) => briefPreds.every((p) => p(v)) : undefined,
  };
}

function toCondition(value: string): LabelCondition {
  const [key, want] = splitOnce(value);
  // podman: an empty value (label=K=) matches any value, as label=K does.
  return want ? { key, value: want } : { key };
}

function dedupe(conds: LabelCondition[]): LabelCondition[] {
  const seen = new Map<string, LabelCondition>();
  for (const c of conds) seen.set(JSON.stringify([c.key, c.value ?? null]), c);
  return [...seen.values()];
}

function allLabelsMatcher(values: readonly string[]): Predicate {
  const tests = values.map(labelMatcher);
  return (v) => tests.every((t) => t(v.labels));
}

function labelMatcher(value: string): (labels: Record<string, string>) => boolean {
  const [key, want] = splitOnce(value);
  if (!key.includes('*')) return (labels) => Object.hasOwn(labels, key) && (!want || labels[key] === want);
  const pattern = `*${key}*`;
  return (labels) => Object.entries(labels).some(([k, val]) => globMatch(pattern, k) && (!want || val === want));
}

/**
 * Whether `s` matches `pattern`, where `*` stands for any run of characters. It only ever goes
 * back to the last `*`, so it takes at most len(pattern) × len(s) steps, unlike a regex of `.*`s.
 */
export function globMatch(pattern: string, s: string): boolean {
  let p = 0;
  let i = 0;
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = i;
    } else if (p < pattern.length && pattern[p] === s[i]) {
      p++;
      i++;
    } else if (star >= 0) {
      p = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Compiles a Go (RE2) regular expression: Podman users write Go regexps, and RE2 matches in time
 * linear in the name, so no pattern can make a listing hang.
 */
function compileRegex(value: string): RE2JS {
  // Loaded on first use (through require, like tar), so that other commands never pay for it.
  const { RE2JS: re2 } = createRequire(import.meta.url)('re2js') as typeof import('re2js');
  try {
    return re2.compile(value);
  } catch (err) {
    throw new VolError('INVALID_ARG', `invalid name filter ${JSON.stringify(value)}: ${(err as Error).message}`);
  }
}

function createdAfter(name: string, ctx: FilterContext): Predicate {
  const t = ctx.createdAtOf(name);
  if (t === undefined) throw new VolError('NO_SUCH_VOLUME', `no such volume ${name}`);
  return (v) => v.createdAt > t;
}

function splitOnce(value: string): [string, string | undefined] {
  const eq = value.indexOf('=');
  return eq < 0 ? [value, undefined] : [value.slice(0, eq), value.slice(eq + 1)];
}
