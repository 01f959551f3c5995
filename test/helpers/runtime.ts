import { resolveConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/core/engine.ts';
import { openRuntime } from '../../src/core/open-runtime.ts';
import type { Runtime, RuntimeParts } from '../../src/core/runtime.ts';
import { silentLogger } from '../../src/core/model.ts';
import { makeTemp, removeTemp } from './vol.ts';

/** A real runtime (SQLite file, file locks) over a fresh temp root. */
export interface TestRuntime {
  root: string;
  rt: Runtime;
  engine: Engine;
  /** Closes the database and removes the root. */
  dispose(): void;
}

/** Opens a runtime over a fresh temporary root, as a write command would; `parts` replace real ones (fakes). */
export async function openTestRuntime(parts: RuntimeParts = {}, plugins: Record<string, string> = {}): Promise<TestRuntime> {
  const root = makeTemp('vol-unit-');
  const config = await resolveConfig({ root }, {});
  config.plugins = { ...config.plugins, ...plugins };
  const rt = openRuntime(config, { readOnly: false }, { log: silentLogger, ...parts });
  return {
    root,
    rt,
    engine: new Engine(rt),
    dispose: () => {
      rt.close();
      removeTemp(root);
    },
  };
}
