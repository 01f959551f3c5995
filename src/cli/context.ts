import type { Command } from 'commander';
import { resolveConfig, type VolConfig } from '../config/config.ts';
import { Engine } from '../core/engine.ts';
import { openRuntime } from '../core/open-runtime.ts';
import type { Runtime } from '../core/runtime.ts';

/** Opens the engine for a command from the global flags; main closes it. */
export class CliContext {
  private runtime?: Runtime;

  constructor(private readonly program: Command) {}

  /** The engine over the configured root; read-only commands leave a missing root alone. */
  async engine(readOnly: boolean): Promise<Engine> {
    this.runtime = openRuntime(await this.config(), { readOnly });
    return new Engine(this.runtime);
  }

  /** The configuration the global flags, the environment and the config file give. */
  config(): Promise<VolConfig> {
    const g = this.program.opts<{ root?: string; config?: string; logLevel?: string; logFormat?: string; volumePlugin?: string[] }>();
    return resolveConfig({ root: g.root, config: g.config, logLevel: g.logLevel, logFormat: g.logFormat, volumePlugins: g.volumePlugin });
  }

  /** Releases the database. */
  close(): void {
    this.runtime?.close();
  }
}
