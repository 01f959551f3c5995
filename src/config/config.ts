import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { VolError } from '../core/errors.ts';
import { DEFAULT_LOCK_TIMING, type FileLockTiming } from '../lock/file-locker.ts';

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything a vol process is configured with, resolved from flags, env, file and defaults. */
export interface VolConfig {
  root: string;
  /** Where volume directories live: `[engine] volume_path`, else `<root>/volumes`. */
  volumesDir: string;
  configFile?: string;
  /** Plugin name → socket path. */
  plugins: Record<string, string>;
  /** Default plugin call timeout in seconds. */
  pluginTimeout: number;
  logLevel: LogLevel;
  lockTiming: FileLockTiming;
  /** First XFS project id vol hands out (`[vol] xfs_project_base`). */
  xfsProjectBase: number;
  /** How many events the database keeps (`[engine] events_max`). */
  eventsMax: number;
  /** `[csi] overcommit`: GetCapacity reports free space without taking promised limits off it. */
  csiOvercommit?: boolean;
}

/** What the CLI gathered from global flags. */
export interface ConfigFlags {
  root?: string;
  config?: string;
  logLevel?: string;
  volumePlugins?: string[];
}

/** Resolves the configuration: flag > environment > config file > default. */
export async function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Promise<VolConfig> {
  const configFile = flags.config ?? env.VOL_CONFIG;
  const file = configFile ? await readConfigFile(configFile) : {};
  const root = resolve(flags.root ?? env.VOL_ROOT ?? defaultRoot(env));
  const logLevel = flags.logLevel ?? env.VOL_LOG_LEVEL ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new VolError('INVALID_ARG', `invalid log level ${JSON.stringify(logLevel)}: use one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    root,
    volumesDir: file.volumePath ? resolve(file.volumePath) : join(root, 'volumes'),
    configFile,
    plugins: { ...file.plugins, ...parsePluginFlags(flags.volumePlugins ?? []) },
    pluginTimeout: file.pluginTimeout ?? 5,
    logLevel: logLevel as LogLevel,
    lockTiming: lockTimingFromEnv(env),
    xfsProjectBase: file.xfsProjectBase ?? 200_000,
    eventsMax: file.eventsMax ?? 100_000,
    csiOvercommit: file.csiOvercommit ?? false,
  };
}

function defaultRoot(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0) return '/var/lib/vol';
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'vol');
}

function parsePluginFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) {
      throw new VolError('INVALID_ARG', `invalid --volume-plugin ${JSON.stringify(v)}: expected NAME=SOCKET`);
    }
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

function lockTimingFromEnv(env: NodeJS.ProcessEnv): FileLockTiming {
  const stale = Number(env.VOL_LOCK_STALE_MS);
  const wait = Number(env.VOL_LOCK_WAIT_MS);
  return {
    staleMs: Number.isFinite(stale) && stale >= 2000 ? stale : DEFAULT_LOCK_TIMING.staleMs,
    waitMs: Number.isFinite(wait) && wait >= 0 ? wait : DEFAULT_LOCK_TIMING.waitMs,
  };
}

interface FileConfig {
  xfsProjectBase?: number;
  eventsMax?: number;
  volumePath?: string;
  pluginTimeout?: number;
  plugins?: Record<string, string>;
  csiOvercommit?: boolean;
}

async function readConfigFile(path: string): Promise<FileConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VolError('INVALID_ARG', `reading config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  // Imported here so that commands run without a config file never load the TOML parser.
  const { parse } = await import('smol-toml');
  return parseConfigText(text, path, parse);
}

/** Reads the containers.conf keys vol uses from TOML text. */
export function parseConfigText(text: string, path: string, parse: (text: string) => unknown): FileConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new VolError('INVALID_ARG', `parsing config file ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const engine = (doc.engine ?? {}) as Record<string, unknown>;
  const out: FileConfig = {};
  if (typeof engine.volume_path === 'string') out.volumePath = engine.volume_path;
  if (engine.volume_plugin_timeout !== undefined) {
    const t = Number(engine.volume_plugin_timeout);
    if (!Number.isInteger(t) || t < 0) throw new VolError('INVALID_ARG', `config file ${path}: engine.volume_plugin_timeout must be a whole number of seconds`);
    out.pluginTimeout = t;
  }
  if (engine.events_max !== undefined) {
    const max = Number(engine.events_max);
    if (!Number.isInteger(max) || max < 1) throw new VolError('INVALID_ARG', `config file ${path}: engine.events_max must be a whole number of events (at least 1)`);
    out.eventsMax = max;
  }
  const vol = (doc.vol ?? {}) as Record<string, unknown>;
  if (vol.xfs_project_base !== undefined) {
    const base = Number(vol.xfs_project_base);
    if (!Number.isInteger(base) || base < 1 || base > 0xfffffff0) throw new VolError('INVALID_ARG', `config file ${path}: vol.xfs_project_base must be a project id (1 to 4294967280)`);
    out.xfsProjectBase = base;
  }
  const plugins = engine.volume_plugins;
  if (plugins !== undefined) {
    if (typeof plugins !== 'object' || plugins === null) throw new VolError('INVALID_ARG', `config file ${path}: engine.volume_plugins must be a table`);
    out.plugins = {};
    for (const [name, sock] of Object.entries(plugins)) {
      if (typeof sock !== 'string') throw new VolError('INVALID_ARG', `config file ${path}: engine.volume_plugins.${name} must be a socket path`);
      out.plugins[name] = sock;
    }
  }
  const csiOvercommit = parseCsiSection(doc, path);
  if (csiOvercommit !== undefined) out.csiOvercommit = csiOvercommit;
  return out;
}

/** The `[csi]` table: `overcommit = true|false`. */
function parseCsiSection(doc: Record<string, unknown>, path: string): boolean | undefined {
  if (doc.csi === undefined) return undefined;
  if (typeof doc.csi !== 'object' || doc.csi === null) throw new VolError('INVALID_ARG', `config file ${path}: csi must be a table`);
  const { overcommit } = doc.csi as Record<string, unknown>;
  if (overcommit === undefined) return undefined;
  if (typeof overcommit !== 'boolean') throw new VolError('INVALID_ARG', `config file ${path}: csi.overcommit must be true or false`);
  return overcommit;
}
