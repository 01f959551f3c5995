import { VolError } from '../../core/errors.ts';
import type { Logger } from '../../core/model.ts';

/** Log levels, lowest first. */
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** Log line formats of the server. */
export type LogFormat = 'human' | 'json';

/** Picks the log format: `--log-format`, else `VOL_LOG_FORMAT`, else human lines. */
export function logFormatOf(flag: string | undefined, env: NodeJS.ProcessEnv): LogFormat {
  const value = flag ?? env.VOL_LOG_FORMAT ?? 'human';
  if (value === 'json') return 'json';
  if (value === 'human' || value === 'text') return 'human';
  throw new VolError('INVALID_ARG', `invalid log format ${JSON.stringify(value)}: use human or json`);
}

/** A logger writing one line per message to `write` (stderr): `TIME LEVEL message key=value...`, or a JSON object. */
export function lineLogger(format: LogFormat, level: Level, write: (line: string) => void = (line) => void process.stderr.write(line)): Logger {
  const min = LEVELS.indexOf(level);
  const emit = (lvl: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS.indexOf(lvl) < min) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      write(JSON.stringify({ time, level: lvl, pid: process.pid, msg, ...fields }) + '\n');
      return;
    }
    const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
    write(`${time} ${lvl} ${msg.replace(/\s*\n\s*/g, ' ')}${extra.join('')}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
