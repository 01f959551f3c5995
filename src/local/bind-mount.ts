import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { VolError } from '../core/errors.ts';

/** The options (`rw`, `ro`, `nosuid`, …) of the mount at exactly `target`, or undefined when nothing is mounted there. */
export function mountOptionsAt(target: string): string[] | undefined {
  let found: string[] | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const mp = f[4]?.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    // The last of stacked mounts is the one that shows.
    if (mp === target) found = (f[5] ?? '').split(',');
  }
  return found;
}

/** Bind-mounts `source` on `target`; then remounts it with `flags` (such as `ro`, `nosuid`) when any are given. */
export async function bindMount(source: string, target: string, flags: readonly string[], volume: string): Promise<void> {
  await run(['--bind', source, target], volume, 'publishing');
  if (flags.length === 0) return;
  try {
    // A bind mount takes flags such as ro only on a remount of it.
    await run(['-o', ['remount', 'bind', ...flags].join(','), target], volume, 'publishing');
  } catch (err) {
    await run(['-l', target], volume, 'unpublishing', 'umount').catch(() => undefined);
    throw err;
  }
}

/** Unmounts what is mounted at `target`. */
export function unmountAt(target: string, volume: string): Promise<void> {
  return run([target], volume, 'unpublishing', 'umount');
}

function run(args: string[], volume: string, what: string, tool = 'mount'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = (stderr.trim() || err.message).split('\n')[0];
      reject(new VolError('IO_FAILED', `${what} volume ${volume}: ${tool} ${args.join(' ')}: ${why}`, { cause: err }));
    });
  });
}
