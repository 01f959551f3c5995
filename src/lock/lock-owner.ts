import { readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../core/errors.ts';

/** Who holds a lock: the process and the boot it ran in, so a reused pid or a reboot is told apart. */
export interface LockOwner {
  pid: number;
  /** Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. */
  start: string;
  /** /proc/sys/kernel/random/boot_id of the boot the owner ran in. */
  boot: string;
}

/** The file inside a lock directory that names its owner. */
export const OWNER_FILE = 'owner';

let cachedBoot: string | undefined;
let cachedSelf: LockOwner | undefined;

/** This boot's id ('' when /proc does not tell). */
export function bootId(): string {
  if (cachedBoot === undefined) {
    try {
      cachedBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBoot = '';
    }
  }
  return cachedBoot;
}

/** The start time of process `pid` (field 22 of /proc/PID/stat), or undefined when it is gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses; the fields after its last ')' start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** This process as a lock owner. */
export function selfOwner(): LockOwner {
  cachedSelf ??= { pid: process.pid, start: processStartTime(process.pid) ?? '', boot: bootId() };
  return cachedSelf;
}

/** True while the owner's process (the same one, in this boot) runs. */
export function ownerAlive(o: LockOwner): boolean {
  if (o.boot !== bootId()) return false;
  const start = processStartTime(o.pid);
  return start !== undefined && start === o.start;
}

/** Records this process as the owner of the lock directory `lockDir`. */
export function writeOwner(lockDir: string): void {
  // proper-lockfile treats any change of the directory's mtime but its own as a lost lock: put it back.
  const { mtime } = statSync(lockDir);
  // Written aside and renamed in, so a reader sees no record or a whole one, never half of it.
  const tmp = join(lockDir, `${OWNER_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(selfOwner()), { mode: 0o600 });
  renameSync(tmp, join(lockDir, OWNER_FILE));
  utimesSync(lockDir, mtime, mtime);
}

/** The owner recorded in `lockDir`, or undefined when none is (yet) recorded or it cannot be read. */
export function readOwner(lockDir: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(join(lockDir, OWNER_FILE), 'utf8')) as Partial<LockOwner>;
    if (!Number.isInteger(o.pid) || typeof o.start !== 'string' || typeof o.boot !== 'string') return undefined;
    return { pid: o.pid!, start: o.start, boot: o.boot };
  } catch {
    return undefined;
  }
}

/** Removes this process's owner record before the lock directory itself goes. */
export function clearOwner(lockDir: string): void {
  // This process's own record was renamed into place before writeOwner returned: no half of it is left.
  unlinkQuietly(join(lockDir, OWNER_FILE));
}

/** Removes whatever owner record a dead owner left, a half-written one too, so its lock directory can go. */
export function clearDeadOwner(lockDir: string): void {
  let names: string[];
  try {
    names = readdirSync(lockDir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  for (const name of names.filter((n) => n === OWNER_FILE || (n.startsWith(`${OWNER_FILE}.`) && n.endsWith('.tmp')))) {
    unlinkQuietly(join(lockDir, name));
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/**
 * Removes the lock directory `lockDir` that was judged abandoned when it had inode `ino` and
 * owner record `ownerText`. It is first renamed aside (atomic), then checked to be that same
 * directory: if another waiter took it over meanwhile, the new owner's lock is put back. Returns
 * true when the abandoned lock is gone (by this call or another's).
 */
export function breakLock(lockDir: string, ino: number, ownerText: string | undefined): boolean {
  const aside = `${lockDir}.broken-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  try {
    renameSync(lockDir, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
  if (statSync(aside).ino !== ino || readOwnerText(aside) !== ownerText) {
    // Someone else's fresh lock: give it back. A rename onto a path that was made meanwhile fails, which leaves it aside for `vol check`.
    renameSync(aside, lockDir);
    return false;
  }
  clearDeadOwner(aside);
  rmdirSync(aside);
  return true;
}

/** The raw owner record of `lockDir`, for comparing two looks at one lock. */
export function readOwnerText(lockDir: string): string | undefined {
  try {
    return readFileSync(join(lockDir, OWNER_FILE), 'utf8');
  } catch {
    return undefined;
  }
}
