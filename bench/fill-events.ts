// Benchmark helper: appends N events to a vol root's event log through the store's public
// `appendEvent` (each in its own transaction, as vol writes them), without a process per event.
// Not part of the CLI.
//
//   node --import tsx bench/fill-events.ts <root> <n>
//
// The root's database is created if needed (n = 0 just makes an empty one). Events cycle through
// create, mount, unmount, export and remove of volumes bench-000001...; every 10th volume has the
// label `bench.tenth=1`. Times are "now", so `vol events --since 1h` sees them all. Retention is
// the configured one (default 100,000): filling past it trims as vol does. Prints one JSON line.
import { resolveConfig } from '../src/config/config.ts';
import { nowNs, type VolumeEvent, type VolumeEventType } from '../src/core/new-event.ts';
import { openRuntime } from '../src/core/open-runtime.ts';

const CYCLE: VolumeEventType[] = ['create', 'mount', 'unmount', 'export', 'remove'];

async function main(): Promise<void> {
  const [root, nText] = process.argv.slice(2);
  const n = Number(nText);
  if (!root || !Number.isInteger(n) || n < 0) {
    process.stderr.write('usage: node --import tsx bench/fill-events.ts <root> <n>\n');
    process.exit(2);
  }
  const config = await resolveConfig({ root });
  const rt = openRuntime(config, { readOnly: false });
  const uid = process.getuid?.() ?? -1;
  const started = process.hrtime.bigint();
  try {
    for (let i = 0; i < n; i++) {
      const v = Math.floor(i / CYCLE.length) + 1;
      const type = CYCLE[i % CYCLE.length]!;
      const attributes: Record<string, unknown> = {};
      if (v % 10 === 0) attributes.labels = { 'bench.tenth': '1' };
      if (type === 'mount' || type === 'unmount') Object.assign(attributes, { holder: `ctr-${v}`, mountCount: type === 'mount' ? 1 : 0 });
      const ev: VolumeEvent = { timeNs: nowNs(), type, volume: `bench-${String(v).padStart(6, '0')}`, driver: 'local', uid, pid: process.pid, attributes };
      rt.store.appendEvent(ev);
    }
  } finally {
    rt.close();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ appended: n, eventsMax: config.eventsMax, ms: Math.round(ms) }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`fill-events: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
