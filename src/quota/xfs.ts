import { chmodSync, mkdirSync, rmdirSync } from 'node:fs';
import { VolError, errnoCode } from '../core/errors.ts';
import { aboutVolume, type QuotaBackend, type QuotaContext, type QuotaHandle, type QuotaLimits, type QuotaUsage } from './backend.ts';

const TOOL = 'xfs_quota';
/** Project 0 holds the defaults of every project and 2^32-1 means "no id", so neither is ever used. */
const MAX_PROJECT_ID = 0xfffffffe;
const DECIMAL_ID = /^[1-9][0-9]*$/;

type Undo = () => unknown;

/** XFS project quota through xfs_quota: each `_data` is a project tree whose id the caller reserved. */
export class XfsQuota implements QuotaBackend {
  readonly name = 'xfs';

  constructor(private readonly ctx: QuotaContext) {}

  async check(limits: QuotaLimits, volume?: string): Promise<void> {
    if (limits.size === undefined && limits.inodes === undefined) return;
    limitArgs(limits, volume);
    let state: string;
    try {
      state = await this.run('state -p');
    } catch (err) {
      throw this.unsupported(limits, volume, err);
    }
    const { accounting, enforcement } = parseProjectState(state);
    if (!accounting || !enforcement) throw this.unsupported(limits, volume, undefined, accounting);
  }

  async makeLimitedDir(dataDir: string, limits: QuotaLimits, reserved: string | undefined): Promise<QuotaHandle> {
    const id = projectId(reserved);
    const args = limitArgs(limits);
    if (/\s/.test(dataDir)) {
      // xfs_quota splits each -c command at spaces and knows no quoting.
      throw new VolError('QUOTA_UNSUPPORTED', `cannot set an XFS project quota on ${dataDir}: xfs_quota cannot take a path with spaces`, {
        hint: 'use a --root whose path has no spaces',
      });
    }
    makeDataDir(dataDir);
    // Each inverse is stacked before its step runs, so a step that fails half-way is undone too.
    const undo: Undo[] = [() => rmdirSync(dataDir)];
    try {
      undo.push(() => this.run(`project -C -p ${dataDir} ${id}`));
      const setUp = await this.run(`project -s -p ${dataDir} ${id}`);
      // xfs_quota exits 0 when it cannot use the path, and says nothing of it on stdout.
      if (!setUp.includes(dataDir)) throw new Error(`xfs_quota did not set up project ${id} on ${dataDir}: ${JSON.stringify(setUp.trim())}`);
      undo.push(() => this.resetLimit(id));
      await this.run(`limit -p ${args.join(' ')} ${id}`);
      return { id };
    } catch (err) {
      await this.undo(undo, dataDir);
      throw this.setupError(dataDir, id, err);
    }
  }

  async usage(handles: readonly QuotaHandle[]): Promise<Map<string, QuotaUsage>> {
    const out = new Map<string, QuotaUsage>();
    const ids = handles.map((h) => h.id).filter((id) => DECIMAL_ID.test(id));
    if (ids.length === 0) return out;
    let lower = Number(ids[0]);
    let upper = lower;
    for (const id of ids) {
      lower = Math.min(lower, Number(id));
      upper = Math.max(upper, Number(id));
    }
    let text: string;
    try {
      // One report for all volumes, bounded to their ids: -n numeric ids, -N no header, block counts in KiB.
      text = await this.run(`report -p -b -i -n -N -L ${lower} -U ${upper}`);
    } catch (err) {
      throw new VolError('IO_FAILED', `reading XFS project quota usage on ${this.ctx.mountPoint}: ${messageOf(err)}`, { cause: err });
    }
    const wanted = new Set(ids);
    for (const [id, used] of parseReport(text)) if (wanted.has(id)) out.set(id, used);
    return out;
  }

  async release(_dataDir: string, handle: QuotaHandle): Promise<void> {
    // The tree went with its directory; only the limit on the id is left to drop.
    const id = projectId(handle.id);
    try {
      await this.resetLimit(id);
    } catch (err) {
      throw new VolError('IO_FAILED', `dropping the limit of XFS project ${id} on ${this.ctx.mountPoint}: ${messageOf(err)}`, { cause: err });
    }
  }

  async setLimit(_dataDir: string, handle: QuotaHandle, limits: QuotaLimits): Promise<void> {
    const id = projectId(handle.id);
    try {
      await this.run(`limit -p ${limitArgs(limits).join(' ')} ${id}`);
    } catch (err) {
      throw new VolError('IO_FAILED', `changing the limit of XFS project ${id} on ${this.ctx.mountPoint}: ${messageOf(err)}`, { cause: err });
    }
  }

  private run(command: string): Promise<string> {
    this.ctx.log.debug('xfs_quota', { command, mountPoint: this.ctx.mountPoint });
    return this.ctx.exec(TOOL, ['-x', '-c', command, this.ctx.mountPoint]);
  }

  private resetLimit(id: string): Promise<string> {
    return this.run(`limit -p bhard=0 bsoft=0 ihard=0 isoft=0 ${id}`);
  }

  private async undo(steps: Undo[], dataDir: string): Promise<void> {
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (err) {
        this.ctx.log.warn(`could not undo a step of setting up ${dataDir}`, { error: messageOf(err) });
      }
    }
  }

  private setupError(dataDir: string, id: string, err: unknown): VolError {
    if (errnoCode(err) === 'ENOENT') {
      return new VolError('QUOTA_UNSUPPORTED', `cannot set an XFS project quota on ${dataDir}: ${TOOL} is not installed`, {
        hint: 'install the xfsprogs package, which provides xfs_quota',
        cause: err,
      });
    }
    return new VolError('IO_FAILED', `setting XFS project quota ${id} on ${dataDir}: ${messageOf(err)}`, {
      hint: `check the quota state with: xfs_quota -x -c 'state -p' ${this.ctx.mountPoint}`,
      cause: err,
    });
  }

  private unsupported(limits: QuotaLimits, volume: string | undefined, err?: unknown, accounting = false): VolError {
    const mp = this.ctx.mountPoint;
    const head = `${aboutVolume(volume)}${describe(limits)} limits are not supported on xfs (${mp})`;
    if (err !== undefined && errnoCode(err) === 'ENOENT') {
      return new VolError('QUOTA_UNSUPPORTED', `${head} without ${TOOL}, which is not installed`, {
        hint: 'install the xfsprogs package, which provides xfs_quota',
        cause: err,
      });
    }
    const why = err !== undefined ? `${TOOL} state failed: ${messageOf(err)}` : accounting ? 'project quota is accounted but not enforced there' : 'project quota is not enabled there';
    const hint = accounting
      ? `mount it with -o prjquota instead of pqnoenforce, or run: xfs_quota -x -c 'enable -p' ${mp}`
      : `unmount ${mp} and mount it again with project quota: mount -o prjquota (a remount cannot turn it on)`;
    return new VolError('QUOTA_UNSUPPORTED', `${head}: ${why}`, { hint, cause: err });
  }
}

/** Makes `dataDir` with mode 0755 whatever the umask; a failure leaves nothing behind. */
function makeDataDir(dataDir: string): void {
  let made = false;
  try {
    mkdirSync(dataDir, { mode: 0o755 });
    made = true;
    chmodSync(dataDir, 0o755);
  } catch (err) {
    if (made) rmdirSync(dataDir);
    throw new VolError('IO_FAILED', `creating ${dataDir}: ${messageOf(err)}`, { cause: err });
  }
}

/** The reserved id as xfs_quota takes it; anything else is a caller bug, not a user error. */
function projectId(reserved: string | undefined): string {
  if (reserved === undefined || !DECIMAL_ID.test(reserved) || Number(reserved) > MAX_PROJECT_ID) {
    throw new Error(`XfsQuota needs a project id reserved by the caller, got ${JSON.stringify(reserved)}`);
  }
  return reserved;
}

/** `bhard=`/`ihard=` for the limits given; a limit xfs would read as 0 (no limit) is refused. */
function limitArgs(limits: QuotaLimits, volume?: string): string[] {
  const args: string[] = [];
  const bad = (what: string) => new VolError('INVALID_ARG', `${aboutVolume(volume)}${what} must be a positive whole number for an XFS project quota`);
  if (limits.size !== undefined) {
    if (!Number.isSafeInteger(limits.size) || limits.size <= 0) throw bad('size');
    // xfs_quota keeps 512-byte units and reads a limit under 512 bytes as 0, which means unlimited.
    args.push(`bhard=${Math.ceil(limits.size / 512) * 512}`);
  }
  if (limits.inodes !== undefined) {
    if (!Number.isSafeInteger(limits.inodes) || limits.inodes <= 0) throw bad('inodes');
    args.push(`ihard=${limits.inodes}`);
  }
  return args;
}

function describe(limits: QuotaLimits): string {
  if (limits.size !== undefined && limits.inodes !== undefined) return 'size and inode';
  return limits.size !== undefined ? 'size' : 'inode';
}

/** Reads the `Accounting:`/`Enforcement:` lines of the Project section of `state -p` (empty when quota is off). */
function parseProjectState(text: string): { accounting: boolean; enforcement: boolean } {
  let inProject = false;
  const state = { accounting: false, enforcement: false };
  for (const line of text.split('\n')) {
    const section = /^(\w+) quota state on /.exec(line);
    if (section) inProject = section[1] === 'Project';
    const flag = /^\s+(Accounting|Enforcement): (\w+)/.exec(line);
    if (inProject && flag) state[flag[1] === 'Accounting' ? 'accounting' : 'enforcement'] = flag[2] === 'ON';
  }
  return state;
}

/** Parses `report -p -b -i -n -N` rows: `#id bused bsoft bhard bwarn [grace] iused isoft ihard iwarn [grace]`. */
function parseReport(text: string): Map<string, QuotaUsage> {
  const rows = new Map<string, QuotaUsage>();
  for (const line of text.split('\n')) {
    // Grace columns are bracketed and may hold spaces (`[6 days]`): drop them before splitting.
    const f = line.replace(/\[[^\]]*\]/g, ' ').trim().split(/\s+/);
    const id = /^#(\d+)$/.exec(f[0] ?? '')?.[1];
    if (id === undefined || f.length < 9 || !f.slice(1, 9).every((n) => /^\d+$/.test(n))) continue;
    rows.set(id, { usedBytes: Number(f[1]) * 1024 });
  }
  return rows;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
