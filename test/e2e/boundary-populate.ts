// Spawned by the boundary tests (never imported): makes N volumes with long names in a root
// through the engine, the code path of `vol create` without a process start per volume.
//
//   node --import tsx test/e2e/boundary-populate.ts <root> <n>
import { resolveConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/core/engine.ts';
import { openRuntime } from '../../src/core/open-runtime.ts';

/** The name of volume `i`: long, so that a listing of 2,000 of them is larger than a pipe holds. */
export function populatedName(i: number): string {
  return `boundary-${String(i).padStart(6, '0')}-${'x'.repeat(60)}`;
}

const [root, count] = process.argv.slice(2);
const rt = openRuntime(await resolveConfig({ root: root! }, {}), { readOnly: false });
try {
  const engine = new Engine(rt);
  for (let i = 1; i <= Number(count); i++) await engine.create({ name: populatedName(i) });
} finally {
  rt.close();
}
