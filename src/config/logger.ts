import { createRequire } from 'node:module';
import { clipMessage } from '../core/errors.ts';
import type { Logger } from '../core/model.ts';
import { LOG_LEVELS, type LogFormat, type LogLevel } from './config.ts';

type PinoLogger = Record<LogLevel, (fields: Record<string, unknown>, msg: string) => void>;

const PREFIX: Record<LogLevel, string> = { debug: 'Debug', info: 'Info', warn: 'Warning', error: 'Error' };

/**
 * A logger writing to stderr (pino's default is stdout, which would corrupt `--format json`):
 * `Warning: <text>` lines by default, pino's JSON lines with the `json` format. pino is loaded on
 * the first message at an enabled level, so a command that logs nothing does not pay for it.
 */
export function createStderrLogger(level: LogLevel, format: LogFormat = 'text', write: (line: string) => void = writeStderr): Logger {
  const min = LOG_LEVELS.indexOf(level);
  let pino: PinoLogger | undefined;
  const emit = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(lvl) < min) return;
    if (format === 'text') return write(formatLogLine(lvl, msg, fields));
    pino ??= loadPino(level);
    pino[lvl](fields, msg);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** One log record as a text line: `Warning: message (key=value, ...)`, values cut to a sane length. */
export function formatLogLine(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): string {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${PREFIX[level]}: ${clipMessage(parts.length ? `${msg} (${parts.join(', ')})` : msg)}\n`;
}

function writeStderr(line: string): void {
  process.stderr.write(line);
}

function loadPino(level: LogLevel): PinoLogger {
  const pino = createRequire(import.meta.url)('pino') as (opts: object, dest: unknown) => PinoLogger;
  const destination = (pino as unknown as { destination(opts: object): unknown }).destination({ dest: 2, sync: true });
  return pino({ level, base: { pid: process.pid } }, destination);
}
