import { closeSync, constants, fstatSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A change to a directory younger than this may share its time stamp with a later one (the
 * kernel stamps with a clock that advances by ticks), so such a reading is not relied on.
 */
const RACY_MS = 50;

/** What a reading of the lock directory found. */
export interface LockDirReading {
  /** The names that have a `<name>.lock` of an earlier vol. */
  oldLocks: ReadonlySet<string>;
  /** The inode of the lock file at its path (undefined: none there). */
  fileIno: number | undefined;
}

/**
 * What the lock directory held when it was last read: the `<name>.lock` entries of earlier vol
 * versions, and the inode of the lock file. The reading stands while the directory's mtime and
 * ctime stay as they were (an entry made, removed or renamed changes them), so a bulk command
 * asks one fstat(2) per lock instead of a stat(2) and an lstat(2) of paths. Undefined answers
 * mean "not known": the caller looks at the paths itself.
 */
export class LockDirView {
  private fd: number | undefined;
  private mtime = -1;
  private ctime = -1;
  private valid = false;
  private oldLocks = new Set<string>();
  private fileIno: number | undefined;

  constructor(private readonly dir: string, private readonly file: string) {}

  /** The reading, one fstat(2) away; undefined when the directory changed too recently to tell. */
  read(): LockDirReading | undefined {
    return this.fresh() ? { oldLocks: this.oldLocks, fileIno: this.fileIno } : undefined;
  }

  /** Forgets the reading and closes the directory. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.valid = false;
  }

  private fresh(): boolean {
    try {
      this.fd ??= openSync(this.dir, constants.O_RDONLY | constants.O_DIRECTORY);
      const st = fstatSync(this.fd);
      if (this.valid && st.mtimeMs === this.mtime && st.ctimeMs === this.ctime) return true;
      this.valid = false;
      if (Date.now() - Math.max(st.mtimeMs, st.ctimeMs) < RACY_MS) return false;
      // The directory open may have been replaced at its path: read the one that is there now.
      const now = statSync(this.dir);
      if (st.nlink === 0 || now.ino !== st.ino || now.dev !== st.dev) {
        this.close();
        return false;
      }
      const oldLocks = new Set(readdirSync(this.dir).filter((e) => e.endsWith('.lock')).map((e) => e.slice(0, -'.lock'.length)));
      const fileIno = statSync(join(this.dir, this.file), { throwIfNoEntry: false })?.ino;
      const after = fstatSync(this.fd);
      if (after.mtimeMs !== st.mtimeMs || after.ctimeMs !== st.ctimeMs) return false;
      Object.assign(this, { oldLocks, fileIno, mtime: st.mtimeMs, ctime: st.ctimeMs, valid: true });
      return true;
    } catch {
      this.close();
      return false;
    }
  }
}
