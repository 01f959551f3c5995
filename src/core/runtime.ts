import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { VolConfig } from '../config/config.ts';
import { createStderrLogger } from '../config/logger.ts';
import { FileLocker } from '../lock/file-locker.ts';
import type { VolumeLocker } from '../lock/volume-lock.ts';
import { openSqliteStore } from '../state/sqlite-store.ts';
import type { VolumeStore } from '../state/store.ts';
import { VolError } from './errors.ts';
import type { Logger } from './log.ts';

/** The wired leaves the engine works with; tests may build one with other parts. */
export interface Runtime {
  config: VolConfig;
  store: VolumeStore;
  locker: VolumeLocker;
  log: Logger;
  /** Called at the one point of create where a crash leaves the most to undo (tests use it). */
  afterDiskWork?: () => Promise<void>;
  close(): void;
}

/** How much of the root a command needs. */
export interface RuntimeMode {
  /** Read-only commands do not create the root or database; a missing database reads as empty. */
  readOnly: boolean;
}

/** Builds the concrete runtime: SQLite store at `<root>/vol.db` and file locks under `<root>/locks`. */
export function openRuntime(config: VolConfig, mode: RuntimeMode): Runtime {
  const dbFile = join(config.root, 'vol.db');
  const exists = existsSync(dbFile);
  if (!mode.readOnly) prepareRoot(config);
  const store = openSqliteStore(exists || !mode.readOnly ? dbFile : undefined, { eventsMax: config.eventsMax });
  const log = createStderrLogger(config.logLevel);
  return {
    config,
    store,
    locker: new FileLocker(join(config.root, 'locks'), config.lockTiming, log),
    log,
    afterDiskWork: testDelayFromEnv(),
    close: () => store.close(),
  };
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
