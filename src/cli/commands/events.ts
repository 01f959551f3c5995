import type { Writable } from 'node:stream';
import { VolError } from '../../core/errors.ts';
import type { VolumeEvent } from '../../core/model.ts';
import { compileTemplate } from '../template/index.ts';
import { collect, handle, type Register } from './shared.ts';

interface EventsFlags {
  since?: string;
  until?: string;
  filter: string[];
  format?: string;
  follow?: boolean;
  stream?: string | boolean;
}

/** Output is written in chunks of about this size, so 100,000 events never sit in memory at once. */
const CHUNK = 64 * 1024;

/** `vol events`: what happened to volumes, from the durable record; `--follow` keeps printing until interrupted. */
export const registerEvents: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('events')
    .description('Show volume events (create, remove, mount, unmount, prune, reload, import, export, repair)')
    .option('--since <time>', 'events at or after: Unix seconds, RFC 3339, 2006-01-02, or a duration such as 10m')
    .option('--until <time>', 'events at or before (same syntax; a duration counts forward from now, as in Podman)')
    .option('-f, --filter <key=value>', 'type=, event= or status= (create, remove…), volume=NAME or unique prefix, label=K[=V] (repeatable; same key OR-ed)', collect, [])
    .option('--format <format>', 'json (one object per line), or a Go template such as {{.Type}} {{.Volume}}')
    .option('--follow', 'keep printing new events until interrupted (or until --until passes)')
    .option('--stream [bool]', 'true: the same as --follow; false (the default): print the stored events and exit')
    .action(handle(env, async (flags: EventsFlags) => {
      const follow = wantsFollow(flags);
      const render = renderer(flags.format);
      // A follower opens (and so creates) the database, so that it waits on a real one.
      const engine = await ctx.engine(!follow);
      return {
        stdout: '',
        errors: [],
        streams: async (io) => {
          const signal = follow ? io.interrupts() : undefined;
          const events = engine.events({ since: flags.since, until: flags.until, filters: flags.filter, follow, signal });
          await writeAll(io.stdoutBytes(), events, render, follow);
        },
      };
    }));
};

/** Whether to follow: --follow, or Podman's --stream (a bare --stream, or a Go boolean value). */
function wantsFollow(flags: EventsFlags): boolean {
  let stream: boolean | undefined;
  if (flags.stream === true) stream = true;
  else if (typeof flags.stream === 'string') {
    if (/^(1|t|true)$/i.test(flags.stream)) stream = true;
    else if (/^(0|f|false)$/i.test(flags.stream)) stream = false;
    else throw new VolError('INVALID_ARG', `invalid --stream value ${JSON.stringify(flags.stream)}: expected true or false`);
  }
  // podman: events streams unless told --stream=false; vol prints the stored events unless told to follow.
  if (flags.follow && stream === false) throw new VolError('INVALID_ARG', '--follow and --stream=false cannot be used together');
  return Boolean(flags.follow) || stream === true;
}

async function writeAll(out: Writable, events: AsyncIterable<VolumeEvent>, render: (ev: VolumeEvent) => string, live: boolean): Promise<void> {
  let buf = '';
  const flush = () => new Promise<void>((resolve, reject) => out.write(buf, (err) => (err ? reject(err) : resolve())));
  for await (const ev of events) {
    buf += render(ev) + '\n';
    // A follower prints each event as it comes; a listing is written in chunks.
    if (live || buf.length >= CHUNK) {
      await flush();
      buf = '';
    }
  }
  if (buf) await flush();
}

/** The fields events expose to templates and JSON. */
function fields(ev: VolumeEvent): Record<string, unknown> {
  return { ID: ev.id, Time: isoNs(ev.timeNs), TimeNano: ev.timeNs.toString(), Type: ev.type, Volume: ev.volume, Driver: ev.driver, UID: ev.uid, PID: ev.pid, Attributes: ev.attributes };
}

function renderer(format: string | undefined): (ev: VolumeEvent) => string {
  if (format === 'json') {
    // TimeNano does not fit a JSON number without loss in JavaScript; it is written as digits by hand.
    return (ev) => JSON.stringify({ ...fields(ev), TimeNano: 0 }).replace('"TimeNano":0', `"TimeNano":${ev.timeNs}`);
  }
  if (format !== undefined) {
    const tpl = compileTemplate(format);
    return (ev) => tpl.render(fields(ev));
  }
  return (ev) => `${isoNs(ev.timeNs)} volume ${ev.type} ${ev.volume} (${describe(ev)})`;
}

function describe(ev: VolumeEvent): string {
  const parts = [`driver=${ev.driver}`];
  for (const [k, v] of Object.entries(ev.attributes)) {
    if (k === 'labels') for (const [lk, lv] of Object.entries(v as Record<string, string>)) parts.push(`label ${lk}=${lv}`);
    else parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  parts.push(`uid=${ev.uid}`, `pid=${ev.pid}`);
  return parts.join(', ');
}

/** RFC 3339 with nanoseconds, UTC. */
function isoNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${frac}Z`);
}
