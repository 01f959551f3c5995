import { execFile } from 'node:child_process';
import { VolError } from '../core/errors.ts';
import type { Exec } from './backend.ts';

/** How long one quota tool may run before it is killed. */
const TOOL_TIMEOUT_MS = 60_000;

/** Runs tools from PATH; a missing tool or a non-zero exit rejects with the tool's own words. */
export const execTool: Exec = (file, args) =>
  new Promise((resolve, reject) => {
    // LC_ALL=C: vol parses the tools' output, which translations would change.
    const env = { ...process.env, LC_ALL: 'C' };
    execFile(file, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8', env }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'command not found' : (stderr.trim() || err.message).split('\n').slice(-1)[0];
      reject(Object.assign(new Error(`${file} ${args.join(' ')}: ${why}`), { code, stderr }));
    });
  });

/** Wraps a tool failure as an IO_FAILED VolError about `what`. */
export function toolError(what: string, err: unknown): VolError {
  return new VolError('IO_FAILED', `${what}: ${(err as Error).message}`, { cause: err });
}
