import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { VolError } from './errors.ts';
import { EVENT_TYPES, nowNs, type VolumeEvent } from './events.ts';
import { parseTimestampNs } from './time.ts';
import type { Runtime } from './runtime.ts';
import type { EventQuery } from '../state/event-log.ts';

/** What `vol events` asks for, as typed: time bounds and `KEY=VALUE` filters. */
export interface EventsOptions {
  since?: string;
  until?: string;
  filters?: readonly string[];
  /** Keep reading new events until `signal` aborts (or `until` passes). */
  follow?: boolean;
  signal?: AbortSignal;
}

const FILTER_KEYS = new Set(['type', 'volume', 'label']);
/** How often a follower looks for new events when the file watch says nothing (a safety net). */
const FOLLOW_POLL_MS = 1000;

/** Matching events, oldest first, streamed from the database; with `follow`, then new ones as they come. */
export async function* readEvents(rt: Runtime, opts: EventsOptions): AsyncGenerator<VolumeEvent> {
  const { query, labels } = compileQuery(opts);
  // Label filters of one key are OR-ed, different keys AND-ed, as for every other filter.
  const byKey = new Map<string, [string, string | undefined][]>();
  for (const l of labels) byKey.set(l[0], [...(byKey.get(l[0]) ?? []), l]);
  const matches = (ev: VolumeEvent) => [...byKey.values()].every((alts) => alts.some((l) => hasLabel(ev, l)));
  // podman: `events` there follows by default; vol prints the stored record, and follows when asked.
  let lastId = opts.follow && opts.since === undefined ? rt.store.lastEventId() : 0;
  if (!opts.follow || opts.since !== undefined) {
    for (const ev of rt.store.events(query)) {
      lastId = ev.id!;
      if (matches(ev)) yield ev;
    }
  }
  if (!opts.follow) return;
  for await (const _ of changes(rt, opts.signal)) {
    if (query.untilNs !== undefined && nowNs() > query.untilNs) return;
    for (const ev of rt.store.events({ ...query, afterId: lastId })) {
      lastId = ev.id!;
      if (matches(ev)) yield ev;
    }
  }
}

/** Ticks whenever the database's write-ahead log changes (another process committed), at least once a second, until aborted. */
async function* changes(rt: Runtime, signal: AbortSignal | undefined): AsyncGenerator<void> {
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(join(rt.config.root, 'vol.db-wal'), poke);
  } catch {
    // No WAL file yet: the timer alone keeps the follower going.
  }
  signal?.addEventListener('abort', poke);
  try {
    while (!signal?.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, FOLLOW_POLL_MS);
      });
      if (signal?.aborted) return;
      yield;
    }
  } finally {
    watcher?.close();
    signal?.removeEventListener('abort', poke);
  }
}

function compileQuery(opts: EventsOptions): { query: EventQuery; labels: [string, string | undefined][] } {
  const now = Date.now();
  const query: EventQuery = {};
  if (opts.since !== undefined) query.sinceNs = parseTimestampNs(opts.since, now, '--since');
  if (opts.until !== undefined) query.untilNs = parseTimestampNs(opts.until, now, '--until');
  const types: string[] = [];
  const volumes: string[] = [];
  const labels: [string, string | undefined][] = [];
  for (const f of opts.filters ?? []) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (eq < 0) throw new VolError('INVALID_ARG', `invalid filter ${JSON.stringify(f)}: expected KEY=VALUE`);
    if (!FILTER_KEYS.has(key)) throw new VolError('INVALID_ARG', `${JSON.stringify(key)} is an invalid event filter (use type, volume or label)`);
    const value = f.slice(eq + 1);
    if (key === 'type') {
      if (!(EVENT_TYPES as readonly string[]).includes(value)) throw new VolError('INVALID_ARG', `invalid event type ${JSON.stringify(value)}: use one of ${EVENT_TYPES.join(', ')}`);
      types.push(value);
    } else if (key === 'volume') volumes.push(value);
    else {
      const leq = value.indexOf('=');
      labels.push(leq < 0 ? [value, undefined] : [value.slice(0, leq), value.slice(leq + 1)]);
    }
  }
  if (types.length) query.types = types;
  if (volumes.length) query.volumes = volumes;
  return { query, labels };
}

function hasLabel(ev: VolumeEvent, [key, value]: [string, string | undefined]): boolean {
  const labels = (ev.attributes.labels ?? {}) as Record<string, string>;
  return Object.hasOwn(labels, key) && (value === undefined || labels[key] === value);
}
