import { readFileSync } from 'node:fs';
import { VolError } from '../core/errors.ts';

/** Mount points at or below `dir`, from /proc/self/mountinfo (bind mounts of the same file system included). */
export function mountPointsUnder(dir: string): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const mp = field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (mp === dir || mp.startsWith(dir + '/')) out.push(mp);
  }
  return out;
}

/** Throws before anything is deleted when a file system is mounted inside `dir`. */
export function assertNothingMountedUnder(dir: string, volume: string): void {
  const mounts = mountPointsUnder(dir);
  if (mounts.length > 0) {
    throw new VolError('IO_FAILED', `refusing to remove volume ${volume}: another file system is mounted at ${mounts[0]}`, {
      volume,
      hint: 'unmount it first',
    });
  }
}
