import { createRequire } from 'node:module';
import type { Logger } from '../core/log.ts';
import { LOG_LEVELS, type LogLevel } from './config.ts';

type PinoLogger = Record<LogLevel, (fields: Record<string, unknown>, msg: string) => void>;

/**
 * A pino logger writing to stderr (pino's default is stdout, which would corrupt
 * `--format json`). pino is loaded on the first message at an enabled level, so a command that
 * logs nothing does not pay for it at start-up.
 */
export function createStderrLogger(level: LogLevel): Logger {
  const min = LOG_LEVELS.indexOf(level);
  let pino: PinoLogger | undefined;
  const emit = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    pino ??= loadPino(level);
    pino[lvl](fields, msg);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function loadPino(level: LogLevel): PinoLogger {
  const pino = createRequire(import.meta.url)('pino') as (opts: object, dest: unknown) => PinoLogger;
  const destination = (pino as unknown as { destination(opts: object): unknown }).destination({ dest: 2, sync: true });
  return pino({ level, base: { pid: process.pid } }, destination);
}
