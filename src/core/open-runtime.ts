import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { VolConfig } from '../config/config.ts';
import { createStderrLogger } from '../config/logger.ts';
import { FileLocker } from '../lock/file-locker.ts';
import { openSqliteStore } from '../state/sqlite-store.ts';
import { VolError, errnoCode } from './errors.ts';
import { pluginClients, quotaBackends, volumeDrivers } from './runtime-parts.ts';
import type { Runtime, RuntimeMode, RuntimeParts } from './runtime.ts';

/** Builds the concrete runtime: SQLite store at `<root>/vol.db`, file locks under `<root>/locks`, quota backends and plugin clients. */
export function openRuntime(config: VolConfig, mode: RuntimeMode, parts: RuntimeParts = {}): Runtime {
  const dbFile = join(config.root, 'vol.db');
  const rootExists = checkRoot(config.root, mode.readOnly);
  const exists = rootExists && checkDatabase(dbFile);
  if (!mode.readOnly) prepareRoot(config);
  const log = parts.log ?? createStderrLogger(config.logLevel, config.logFormat);
  for (const w of config.warnings) log.warn(w);
  const store = openSqliteStore(exists || !mode.readOnly ? dbFile : undefined, { eventsMax: config.eventsMax });
  return {
    config,
    store,
    locker: new FileLocker(join(config.root, 'locks'), config.lockTiming, log),
    log,
    quota: parts.quota ?? quotaBackends(config.volumesDir, log),
    plugins: parts.plugins ?? pluginClients(config),
    drivers: parts.drivers ?? volumeDrivers(),
    holderQueues: new Map(),
    now: parts.now ?? Date.now,
    afterDiskWork: testDelayFromEnv(),
    close: () => store.close(),
  };
}

/**
 * False when the root does not exist yet; throws when it exists but is not a directory vol may
 * use, so an unreadable store never reads as an empty one (`vol exists x || vol create x`).
 */
function checkRoot(root: string, readOnly: boolean): boolean {
  const st = statOrMissing(root, `root ${root}`);
  if (!st) return false;
  if (!st.isDirectory()) throw new VolError('IO_FAILED', `cannot use root ${root}: not a directory`);
  try {
    accessSync(root, readOnly ? constants.R_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw rootError(`root ${root}`, err);
  }
  return true;
}

/** True when the database file exists; an unreadable one is an error, not a missing one. */
function checkDatabase(dbFile: string): boolean {
  const st = statOrMissing(dbFile, `database ${dbFile}`);
  if (!st) return false;
  if (!st.isFile()) throw new VolError('IO_FAILED', `cannot use database ${dbFile}: not a regular file`);
  try {
    accessSync(dbFile, constants.R_OK);
  } catch (err) {
    throw rootError(`database ${dbFile}`, err);
  }
  return true;
}

function statOrMissing(path: string, what: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw rootError(what, err);
  }
}

function rootError(what: string, err: unknown): VolError {
  const code = errnoCode(err);
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'not a directory' : (err as Error).message;
  return new VolError('IO_FAILED', `cannot use ${what}: ${why}`, { cause: err });
}

function prepareRoot(config: VolConfig): void {
  try {
    mkdirSync(config.root, { recursive: true, mode: 0o700 });
    mkdirSync(config.volumesDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new VolError('IO_FAILED', `preparing root ${config.root}: ${(err as Error).message}`, { cause: err });
  }
}

function testDelayFromEnv(): (() => Promise<void>) | undefined {
  // A test hook: widens create's crash window so kill tests can hit it.
  const ms = Number(process.env.VOL_TEST_DELAY_MS);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return () => new Promise((r) => setTimeout(r, ms));
}
