// How much of src/ a reader climbs through: files in core/, floors (the longest import chain
// inside core/), and the files one command's path loads. Run with `--test-reporter=spec` to see
// the figures; the targets are asserted.
//
// A command's path is the closure of value imports (static and dynamic; type-only imports vanish
// from the bundle) from the core modules its Engine method calls, less core/model.ts and
// core/errors.ts. The Engine facade and the runtime (the one place that builds concrete parts)
// are left out: every command goes through both, and a verb reaches the parts they build only
// through interfaces.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { floors, readImportGraph, reachable, type ImportEdge } from '../helpers/import-graph.ts';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const VOCABULARY = new Set(['core/model.ts', 'core/errors.ts']);
/** The core modules each command's Engine method calls. */
const PATHS: Record<string, string[]> = {
  create: ['core/volume-create.ts'],
  rm: ['core/volume-remove.ts'],
  ls: ['core/volume-list.ts', 'core/plugin-status.ts', 'core/quota.ts'],
};
const TARGET = 12;

const graph = readImportGraph(SRC);
const values = (e: ImportEdge) => !e.typeOnly;

/** The files of src/ the command's path loads, model and errors left out. */
export function commandPath(command: string): string[] {
  const files = new Set<string>();
  for (const start of PATHS[command]!) for (const f of reachable(graph, start, values)) files.add(f);
  return [...files].filter((f) => !VOCABULARY.has(f)).sort();
}

describe('the shape of core/', () => {
  it('counts its files and floors', (t) => {
    const core = [...graph.keys()].filter((f) => f.startsWith('core/'));
    const depth = floors(graph, (f) => f.startsWith('core/'));
    t.diagnostic(`core/ files: ${core.length}, floors: ${depth}`);
    assert.ok(core.length > 0 && depth > 0);
  });

  for (const command of Object.keys(PATHS)) {
    it(`the path of ${command} loads at most ${TARGET} files besides model and errors`, (t) => {
      for (const start of PATHS[command]!) assert.ok(graph.has(start), `${start} is not a file of src/`);
      const files = commandPath(command);
      t.diagnostic(`${command}: ${files.length} files: ${files.join(' ')}`);
      assert.ok(files.length <= TARGET, `${command} loads ${files.length} files: ${files.join(' ')}`);
    });
  }
});
