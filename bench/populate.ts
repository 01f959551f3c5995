// Benchmark helper: makes N volumes in a vol root through vol's own engine API, the same code path
// as `vol create` without a process start per volume. Not part of the CLI.
//
//   node --import tsx bench/populate.ts <root> <n> [labelEvery] [labelKey]
//
// Volumes are named bench-000001 ... bench-<n>; every `labelEvery`-th one (default 10) gets the
// label `<labelKey>=1` (default key `bench.tenth`). Prints one JSON line with the timing.
import { resolveConfig } from '../src/config/config.ts';
import { Engine } from '../src/core/engine.ts';
import { openRuntime } from '../src/core/open-runtime.ts';

async function main(): Promise<void> {
  const [root, nText, everyText, keyArg] = process.argv.slice(2);
  const n = Number(nText);
  const every = everyText === undefined ? 10 : Number(everyText);
  const key = keyArg ?? 'bench.tenth';
  if (!root || !Number.isInteger(n) || n < 0 || !Number.isInteger(every) || every < 1) {
    process.stderr.write('usage: node --import tsx bench/populate.ts <root> <n> [labelEvery] [labelKey]\n');
    process.exit(2);
  }
  const width = Math.max(6, String(n).length);
  const config = await resolveConfig({ root });
  const rt = openRuntime(config, { readOnly: false });
  const engine = new Engine(rt);
  const started = process.hrtime.bigint();
  let labelled = 0;
  try {
    for (let i = 1; i <= n; i++) {
      const labels: Record<string, string> = {};
      if (i % every === 0) {
        labels[key] = '1';
        labelled++;
      }
      await engine.create({ name: `bench-${String(i).padStart(width, '0')}`, labels });
    }
  } finally {
    rt.close();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ created: n, labelled, labelKey: key, ms }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`populate: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
