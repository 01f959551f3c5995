import { lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
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

/** The file inside a lock directory (the format of earlier vol versions) that names its owner. */
export const OWNER_FILE = 'owner';

let cachedBoot: string | undefined;

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

/** True while the owner's process (the same one, in this boot) runs. */
export function ownerAlive(o: LockOwner): boolean {
  if (o.boot !== bootId()) return false;
  const start = processStartTime(o.pid);
  return start !== undefined && start === o.start;
}

/** Parses an owner record: a lock link's `PID:START:BOOT`, or the JSON `owner` file of a lock directory. */
export function parseOwner(text: string | undefined): LockOwner | undefined {
  if (text === undefined) return undefined;
  try {
    const o = (text.startsWith('{') ? JSON.parse(text) : linkFields(text)) as Partial<LockOwner> | undefined;
    if (!o || !Number.isInteger(o.pid) || typeof o.start !== 'string' || typeof o.boot !== 'string') return undefined;
    return { pid: o.pid!, start: o.start, boot: o.boot };
  } catch {
    return undefined;
  }
}

/** This process as an owner record, `PID:START:BOOT` (the text of an earlier vol's lock link): how a bulk removal names itself in the rows and the trash it works on. */
export function selfOwnerText(): string {
  return `${process.pid}:${processStartTime(process.pid) ?? 0}:${bootId()}`;
}

/** True while the process that the owner record `text` names runs; false for one gone, or a text that is no owner record. */
export function ownerTextAlive(text: string): boolean {
  const owner = parseOwner(text);
  return owner !== undefined && ownerAlive(owner);
}

/** True when `text` is an owner record whose process is gone (so what it left may be finished). */
export function ownerTextDead(text: string): boolean {
  const owner = parseOwner(text);
  return owner !== undefined && !ownerAlive(owner);
}

function linkFields(text: string): Partial<LockOwner> | undefined {
  const f = text.split(':');
  return f.length === 3 && /^\d+$/.test(f[0]!) ? { pid: Number(f[0]), start: f[1], boot: f[2] } : undefined;
}

/** The owner recorded in the lock `lockPath` (a link, or a directory holding an `owner` file), or undefined when none is or it cannot be read. */
export function readOwner(lockPath: string): LockOwner | undefined {
  return parseOwner(readOwnerText(lockPath));
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
 * Removes the lock `lockPath` that was judged abandoned when it had inode `ino` and owner record
 * `ownerText`. It is first renamed aside (atomic), then checked to be that same lock: if another
 * waiter took it over meanwhile, the new owner's lock is put back. Returns true when the
 * abandoned lock is gone (by this call or another's).
 */
export function breakLock(lockPath: string, ino: number, ownerText: string | undefined): boolean {
  const aside = `${lockPath}.broken-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  try {
    renameSync(lockPath, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
  if (lstatSync(aside).ino !== ino || readOwnerText(aside) !== ownerText) {
    // Someone else's fresh lock: give it back. A rename onto a path that was made meanwhile fails, which leaves it aside for `vol check`.
    renameSync(aside, lockPath);
    return false;
  }
  removeDeadLock(aside);
  return true;
}

/** Removes a lock whose owner is gone: a link, or a directory with whatever owner record it holds. */
export function removeDeadLock(lockPath: string): void {
  try {
    if (lstatSync(lockPath).isSymbolicLink()) {
      unlinkSync(lockPath);
      return;
    }
    clearDeadOwner(lockPath);
    rmdirSync(lockPath);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** The raw owner record of `lockPath` (where a link points, or a lock directory's `owner` file), for comparing two looks at one lock. */
export function readOwnerText(lockPath: string): string | undefined {
  try {
    return readlinkSync(lockPath, 'utf8');
  } catch (err) {
    if (errnoCode(err) !== 'EINVAL') return undefined;
  }
  try {
    return readFileSync(join(lockPath, OWNER_FILE), 'utf8');
  } catch {
    return undefined;
  }
}
