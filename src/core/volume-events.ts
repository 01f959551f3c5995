import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { VolError } from './errors.ts';
import { EVENT_TYPES, type VolumeEvent } from './model.ts';
import { parseTimestampNs } from './time.ts';
import type { Runtime } from './runtime.ts';
import type { EventQuery } from '../state/store.ts';

/** What `vol events` asks for, as typed: time bounds and `KEY=VALUE` filters. */
export interface EventsOptions {
  since?: string;
  until?: string;
  filters?: readonly string[];
  /** Keep reading new events until `signal` aborts (or `until` passes). */
  follow?: boolean;
  signal?: AbortSignal;
}

// podman: status= is the older spelling of event=.
const FILTER_KEYS = new Set(['type', 'event', 'status', 'volume', 'label']);
/** How often a follower looks for new events when the file watch says nothing (a safety net). */
const FOLLOW_POLL_MS = 1000;

/** Matching events, oldest first, streamed from the database; with `follow`, then new ones as they come. */
export async function* readEvents(rt: Runtime, opts: EventsOptions): AsyncGenerator<VolumeEvent> {
  const { query, labels } = compileQuery(rt, opts);
  // Label filters of one key are OR-ed, different keys AND-ed, as Podman's event filters are.
  const byKey = new Map<string, [string, string | undefined][]>();
  for (const l of labels) byKey.set(l[0], [...(byKey.get(l[0]) ?? []), l]);
  const matches = (ev: VolumeEvent) => [...byKey.values()].every((alts) => alts.some((l) => hasLabel(ev, l)));
  // podman: `events` there follows by default; vol prints the stored record, and follows when
  // asked. As there, a follower prints the stored events first when given --since or --until.
  const history = !opts.follow || opts.since !== undefined || opts.until !== undefined;
  let lastId = history ? 0 : rt.store.lastEventId();
  if (history) {
    for (const ev of rt.store.events(query)) {
      lastId = ev.id!;
      if (matches(ev)) yield ev;
    }
  }
  if (!opts.follow) return;
  // podman: a follower with --until stops once that time has passed.
  const deadlineMs = query.untilNs === undefined ? undefined : Number(query.untilNs / 1_000_000n) + 1;
  for await (const _ of changes(rt, opts.signal, deadlineMs)) {
    for (const ev of rt.store.events({ ...query, afterId: lastId })) {
      lastId = ev.id!;
      if (matches(ev)) yield ev;
    }
  }
}

/**
 * Ticks whenever the database's write-ahead log changes (another process committed), at least
 * once a second, until aborted or, after one last tick, until `deadlineMs` has passed.
 */
async function* changes(rt: Runtime, signal: AbortSignal | undefined, deadlineMs: number | undefined): AsyncGenerator<void> {
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
      const wait = deadlineMs === undefined ? FOLLOW_POLL_MS : Math.max(0, Math.min(FOLLOW_POLL_MS, deadlineMs - Date.now()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (signal?.aborted) return;
      yield;
      if (deadlineMs !== undefined && Date.now() >= deadlineMs) return;
    }
  } finally {
    watcher?.close();
    signal?.removeEventListener('abort', poke);
  }
}

function compileQuery(rt: Runtime, opts: EventsOptions): { query: EventQuery; labels: [string, string | undefined][] } {
  const now = Date.now();
  const query: EventQuery = {};
  // podman: since and until are inclusive here (an event's own printed Time selects it), and a
  // duration in --until counts forward from now, as Podman's ParseInputTime does.
  if (opts.since !== undefined) query.sinceNs = parseTimestampNs(opts.since, now, '--since');
  if (opts.until !== undefined) query.untilNs = parseTimestampNs(opts.until, now, '--until', 'future');
  const kinds = new Map<string, string[]>();
  const volumes: string[] = [];
  const labels: [string, string | undefined][] = [];
  for (const f of opts.filters ?? []) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    if (eq < 0) throw new VolError('INVALID_ARG', `invalid filter ${JSON.stringify(f)}: expected KEY=VALUE`);
    if (!FILTER_KEYS.has(key)) throw new VolError('INVALID_ARG', `${JSON.stringify(key)} is an invalid event filter (use type, event, status, volume or label)`);
    const value = f.slice(eq + 1);
    if (key === 'type' || key === 'event' || key === 'status') kinds.set(key, [...(kinds.get(key) ?? []), ...eventKinds(key, value)]);
    else if (key === 'volume') volumes.push(resolveEventVolume(rt, value));
    else {
      const leq = value.indexOf('=');
      labels.push(leq < 0 ? [value, undefined] : [value.slice(0, leq), value.slice(leq + 1)]);
    }
  }
  const types = intersectKinds([...kinds.values()]);
  if (types) query.types = types;
  if (volumes.length) query.volumes = volumes;
  return { query, labels };
}

/** The kinds `type=`/`event=`/`status=` VALUE selects: one, or all of them for Podman's `type=volume`. */
function eventKinds(key: string, value: string): readonly string[] {
  if ((EVENT_TYPES as readonly string[]).includes(value)) return [value];
  // podman: type= names the object (container, image, volume…) and event= the action; every vol event is a volume event.
  if (key === 'type' && value === 'volume') return EVENT_TYPES;
  throw new VolError('INVALID_ARG', `invalid event ${key} ${JSON.stringify(value)}: use one of ${EVENT_TYPES.join(', ')}`);
}

/** The kinds allowed by every key (values of one key OR-ed, the keys AND-ed); undefined when no key was given. */
function intersectKinds(groups: string[][]): string[] | undefined {
  let allowed: string[] | undefined;
  for (const group of groups) allowed = (allowed ?? group).filter((k) => group.includes(k));
  return allowed && [...new Set(allowed)];
}

/**
 * The volume name `typed` stands for in events: itself when a volume or an event has that exact
 * name, else the one name it is a prefix of (volumes may be gone, so stored events count too).
 */
function resolveEventVolume(rt: Runtime, typed: string): string {
  if (typed === '' || rt.store.get(typed)) return typed;
  const fromEvents = rt.store.eventVolumes(typed, 2);
  if (fromEvents.includes(typed)) return typed;
  const names = new Set([...fromEvents, ...rt.store.namesWithPrefix(typed, 2)]);
  if (names.size > 1) throw new VolError('AMBIGUOUS_NAME', `more than one result for volume name "${typed}"`);
  // Nothing yet: a follower may see a volume of exactly that name later.
  return names.size === 1 ? [...names][0]! : typed;
}

function hasLabel(ev: VolumeEvent, [key, value]: [string, string | undefined]): boolean {
  const labels = (ev.attributes.labels ?? {}) as Record<string, string>;
  return Object.hasOwn(labels, key) && (value === undefined || labels[key] === value);
}
