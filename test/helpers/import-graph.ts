import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One import of a source file: the file it names (relative to the source root) and whether only types cross. */
export interface ImportEdge {
  to: string;
  typeOnly: boolean;
  /** A dynamic `import()`: loaded when first called, after every static import has run. */
  lazy: boolean;
}

/** The import graph of a source tree: each `.ts` file (relative to the root) and what it imports inside the tree. */
export type ImportGraph = Map<string, ImportEdge[]>;

const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Whether every name of an `import { ... }` clause is marked `type`. */
function allNamesAreTypes(statement: string): boolean {
  const braces = /\{([^}]*)\}/.exec(statement);
  if (!braces || /^\s*import\s+[\w$]+\s*,/.test(statement) || /\*\s+as/.test(statement)) return false;
  const names = braces[1]!.split(',').map((n) => n.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

/** Reads the relative imports of every `.ts` file below `root` (type-only imports are marked). */
export function readImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(root)) {
    const text = readFileSync(file, 'utf8');
    const edges: ImportEdge[] = [];
    const add = (spec: string, typeOnly: boolean, lazy: boolean): void => {
      if (spec.startsWith('.')) edges.push({ to: relative(root, resolve(dirname(file), spec)), typeOnly, lazy });
    };
    for (const m of text.matchAll(IMPORT)) add(m[3]!, m[2] !== undefined || allNamesAreTypes(m[0]), false);
    for (const m of text.matchAll(DYNAMIC)) add(m[1]!, false, true);
    graph.set(relative(root, file), edges);
  }
  return graph;
}

/** The import cycles of a graph, each as the list of files round it (empty when there is none). */
export function findCycles(graph: ImportGraph, include: (e: ImportEdge) => boolean = () => true): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const e of graph.get(file) ?? []) {
      if (!include(e) || !graph.has(e.to)) continue;
      const s = state.get(e.to);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(e.to)), e.to]);
      else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

/** Every file `start` reaches through imports that pass `include`, `start` included. */
export function reachable(graph: ImportGraph, start: string, include: (e: ImportEdge) => boolean = () => true): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    for (const e of graph.get(f) ?? []) {
      if (include(e) && graph.has(e.to) && !seen.has(e.to)) {
        seen.add(e.to);
        todo.push(e.to);
      }
    }
  }
  return seen;
}

/** The number of files on the longest import chain among the files `within` keeps (a graph without cycles). */
export function floors(graph: ImportGraph, within: (file: string) => boolean): number {
  const depth = new Map<string, number>();
  const onStack = new Set<string>();
  const floorOf = (file: string): number => {
    const known = depth.get(file);
    if (known !== undefined) return known;
    if (onStack.has(file)) return 0;
    onStack.add(file);
    let below = 0;
    for (const e of graph.get(file) ?? []) if (within(e.to) && graph.has(e.to)) below = Math.max(below, floorOf(e.to));
    onStack.delete(file);
    depth.set(file, below + 1);
    return below + 1;
  };
  return Math.max(0, ...[...graph.keys()].filter(within).map(floorOf));
}
