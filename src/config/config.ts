import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { VolError } from '../core/errors.ts';
import { DEFAULT_LOCK_TIMING, type FileLockTiming } from '../lock/file-locker.ts';
import { parseConfigText, type FileConfig } from './config-file.ts';

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Formats accepted by `--log-format`: `Warning: ...` lines, or pino's JSON lines. */
export const LOG_FORMATS = ['text', 'json'] as const;
/** One of LOG_FORMATS. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Everything a vol process is configured with, resolved from flags, env, file and defaults. */
export interface VolConfig {
  root: string;
  /** Where volume directories live: `[engine] volume_path`, else `<root>/volumes`. */
  volumesDir: string;
  /** The config file read, if any (absolute). */
  configFile?: string;
  /** Plugin name → socket path. */
  plugins: Record<string, string>;
  /** Default plugin call timeout in seconds. */
  pluginTimeout: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  lockTiming: FileLockTiming;
  /** First XFS project id vol hands out (`[vol] xfs_project_base`). */
  xfsProjectBase: number;
  /** How many events the database keeps (`[engine] events_max`). */
  eventsMax: number;
  /** `[csi] overcommit`: GetCapacity reports free space without taking promised limits off it. */
  csiOvercommit?: boolean;
  /** What reading the configuration warned about (unknown keys); printed as warnings. */
  warnings: string[];
}

/** What the CLI gathered from global flags. */
export interface ConfigFlags {
  root?: string;
  config?: string;
  logLevel?: string;
  logFormat?: string;
  volumePlugins?: string[];
}

/** Resolves the configuration: flag > environment > config file > default. */
export async function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Promise<VolConfig> {
  const configFile = nonEmpty(flags.config, '--config') ?? nonEmpty(env.VOL_CONFIG, 'VOL_CONFIG');
  const file = configFile ? await readConfigFile(resolve(configFile)) : { warnings: [] };
  const root = resolve(nonEmpty(flags.root, '--root') ?? nonEmpty(env.VOL_ROOT, 'VOL_ROOT') ?? defaultRoot(env));
  return {
    root,
    volumesDir: file.volumePath ?? join(root, 'volumes'),
    configFile: configFile === undefined ? undefined : resolve(configFile),
    plugins: { ...file.plugins, ...parsePluginFlags(flags.volumePlugins ?? []) },
    pluginTimeout: file.pluginTimeout ?? 5,
    logLevel: oneOf(flags.logLevel ?? env.VOL_LOG_LEVEL ?? 'warn', LOG_LEVELS, 'log level'),
    logFormat: oneOf(flags.logFormat ?? env.VOL_LOG_FORMAT ?? 'text', LOG_FORMATS, 'log format'),
    lockTiming: lockTimingFromEnv(env),
    xfsProjectBase: file.xfsProjectBase ?? 200_000,
    eventsMax: file.eventsMax ?? 100_000,
    csiOvercommit: file.csiOvercommit ?? false,
    warnings: file.warnings,
  };
}

/** `value` unless empty: an empty root or config path is a mistake (a script's unset variable), never the cwd. */
function nonEmpty(value: string | undefined, what: string): string | undefined {
  if (value === '') throw new VolError('INVALID_ARG', `invalid ${what} "": expects a path`);
  return value;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new VolError('INVALID_ARG', `invalid ${what} ${JSON.stringify(value)}: use one of ${allowed.join(', ')}`);
  }
  return value as T;
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
