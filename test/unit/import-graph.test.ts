import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { findCycles, readImportGraph, type ImportGraph } from '../helpers/import-graph.ts';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const LEAVES = ['state', 'lock', 'local', 'quota', 'plugin', 'config'];
/** What of core a leaf may import: the vocabulary and the error type. */
const LEAF_MAY_IMPORT = new Set(['core/model.ts', 'core/errors.ts']);

const graph = readImportGraph(SRC);
const edge = (to: string) => ({ to, typeOnly: false, lazy: false });

describe('the import graph of src/', () => {
  it('is read: every relative import names a file of the tree', () => {
    assert.ok(graph.size > 100, `only ${graph.size} files found under ${SRC}`);
    assert.ok(graph.get('core/engine.ts')?.some((e) => e.to === 'core/model.ts'), 'core/engine.ts imports core/model.ts');
    const unresolved = [...graph].flatMap(([f, es]) => es.filter((e) => !graph.has(e.to)).map((e) => `${f} -> ${e.to}`));
    assert.deepEqual(unresolved, []);
  });

  it('the cycle finder finds a cycle and passes a chain', () => {
    const ring: ImportGraph = new Map([['a.ts', [edge('b.ts')]], ['b.ts', [edge('c.ts')]], ['c.ts', [edge('a.ts')]]]);
    assert.deepEqual(findCycles(ring), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    assert.deepEqual(findCycles(new Map([['a.ts', [edge('b.ts')]], ['b.ts', []]])), []);
  });

  it('has no cycle of static imports, type-only ones included', () => {
    // A dynamic import() loads after every static import has run, so it cannot see a module half-initialised.
    assert.deepEqual(findCycles(graph, (e) => !e.lazy), []);
  });

  it('core/ has no cycle at all', () => {
    const core: ImportGraph = new Map([...graph].filter(([f]) => f.startsWith('core/')));
    assert.deepEqual(findCycles(core), []);
  });

  it('leaves import nothing of core but the model and the errors', () => {
    const wrong = [...graph]
      .filter(([f]) => LEAVES.some((l) => f.startsWith(`${l}/`)))
      .flatMap(([f, es]) => es.filter((e) => (e.to.startsWith('core/') && !LEAF_MAY_IMPORT.has(e.to)) || ['cli/', 'server/'].some((d) => e.to.startsWith(d))).map((e) => `${f} -> ${e.to}`));
    assert.deepEqual(wrong, []);
  });
});
