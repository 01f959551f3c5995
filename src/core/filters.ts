import { VolError } from './errors.ts';
import type { VolumeRecord } from './model.ts';
import { parseTimestamp } from './time.ts';
import type { LabelCondition } from '../state/store.ts';

/** A predicate over volumes plus what the store can pre-select with its indexes. */
export interface CompiledFilter {
  /** When set, only volumes with one of these labels can match. */
  anyLabel?: LabelCondition[];
  matches(v: VolumeRecord): boolean;
}

/** What compiling needs from outside: the clock and the creation time of a named volume. */
export interface FilterContext {
  now: number;
  createdAtOf(name: string): number | undefined;
  /** Whether a volume has live holders. */
  inUse(name: string): boolean;
}

type Predicate = (v: VolumeRecord) => boolean;
type Compiler = (value: string, ctx: FilterContext) => Predicate;

const COMPILERS: Record<string, Compiler> = {
  name: (value) => {
    let re: RegExp;
    try {
      re = new RegExp(value);
    } catch (err) {
      throw new VolError('INVALID_ARG', `invalid name filter ${JSON.stringify(value)}: ${(err as Error).message}`);
    }
    return (v) => re.test(v.name);
  },
  driver: (value) => (v) => v.driver === value,
  scope: (value) => () => value === 'local',
  label: (value) => labelMatcher(value),
  'label!': (value) => {
    const has = labelMatcher(value);
    return (v) => !has(v);
  },
  opt: (value) => {
    const [key, want] = splitOnce(value);
    return (v) => Object.hasOwn(v.options, key) && (want === undefined || v.options[key] === want);
  },
  dangling: (value, ctx) => {
    if (!['true', '1', 'false', '0'].includes(value)) {
      throw new VolError('INVALID_ARG', `${JSON.stringify(value)} is not a valid value for the "dangling" filter - must be true or false`);
    }
    // podman: dangling means no container uses it; in vol, no live holder holds it.
    const dangling = value === 'true' || value === '1';
    return (v) => ctx.inUse(v.name) !== dangling;
  },
  until: (value, ctx) => {
    const t = parseTimestamp(value, ctx.now, 'until filter');
    return (v) => v.createdAt < t;
  },
  after: (value, ctx) => createdAfter(value, ctx),
  since: (value, ctx) => createdAfter(value, ctx),
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
    out.set(key, [...(out.get(key) ?? []), arg.slice(eq + 1)]);
  }
  return out;
}

/** Compiles grouped filters: values of one key are OR-ed, different keys AND-ed (Podman 6's rule). */
export function compileFilters(filters: Map<string, string[]>, ctx: FilterContext): CompiledFilter {
  const groups: Predicate[][] = [];
  for (const [key, values] of filters) groups.push(values.map((value) => COMPILERS[key]!(value, ctx)));
  const labels = filters.get('label');
  return {
    anyLabel: labels && !labels.some((l) => l.includes('*')) ? labels.map(toCondition) : undefined,
    matches: (v) => groups.every((preds) => preds.some((p) => p(v))),
  };
}

function toCondition(value: string): LabelCondition {
  const [key, want] = splitOnce(value);
  return want === undefined ? { key } : { key, value: want };
}

function labelMatcher(value: string): Predicate {
  const [key, want] = splitOnce(value);
  const keyMatches = key.includes('*') ? globMatcher(`*${key}*`) : (k: string) => k === key;
  return (v) => Object.entries(v.labels).some(([k, val]) => keyMatches(k) && (want === undefined || val === want));
}

function globMatcher(glob: string): (s: string) => boolean {
  const re = new RegExp('^' + glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return (s) => re.test(s);
}

function createdAfter(name: string, ctx: FilterContext): Predicate {
  const t = ctx.createdAtOf(name);
  if (t === undefined) throw new VolError('NO_SUCH_VOLUME', `no such volume ${name}`, { volume: name });
  return (v) => v.createdAt > t;
}

function splitOnce(value: string): [string, string | undefined] {
  const eq = value.indexOf('=');
  return eq < 0 ? [value, undefined] : [value.slice(0, eq), value.slice(eq + 1)];
}
