import { chmodSync } from 'node:fs';
import { VolError, errnoCode } from '../core/errors.ts';
import { aboutVolume, type QuotaBackend, type QuotaContext, type QuotaHandle, type QuotaLimits, type QuotaUsage, type SnapshotBackend } from './backend.ts';
import { toolError } from './exec.ts';

/** btrfs: each `_data` is a subvolume whose qgroup carries a limit on referenced bytes. */
export class BtrfsQuota implements QuotaBackend, SnapshotBackend {
  readonly name = 'btrfs';
  readonly snapshots: SnapshotBackend = this;

  constructor(private readonly ctx: QuotaContext) {}

  async check(limits: QuotaLimits, volume?: string): Promise<void> {
    if (limits.inodes !== undefined) {
      throw new VolError('QUOTA_UNSUPPORTED', `${aboutVolume(volume)}inode limits are not supported on btrfs (${this.ctx.mountPoint}): btrfs qgroups limit bytes only`, {
        hint: 'drop inodes=, or keep the volumes on XFS with project quota',
      });
    }
    try {
      await this.ctx.exec('btrfs', ['qgroup', 'show', '--raw', this.ctx.mountPoint]);
    } catch (err) {
      throw this.notReady(err, volume);
    }
  }

  /** With `source` (a snapshot), `dataDir` becomes a writable snapshot of it instead of an empty subvolume. */
  async makeLimitedDir(dataDir: string, limits: QuotaLimits, _reserved?: string, source?: string): Promise<QuotaHandle> {
    try {
      await this.ctx.exec('btrfs', source === undefined ? ['subvolume', 'create', dataDir] : ['subvolume', 'snapshot', source, dataDir]);
    } catch (err) {
      throw toolError(`creating btrfs subvolume ${dataDir}`, err);
    }
    try {
      chmodSync(dataDir, 0o755);
      const handle = await this.qgroupOf(dataDir);
      if (limits.size !== undefined) await this.setLimit(dataDir, handle, limits);
      return handle;
    } catch (err) {
      await this.deleteSubvolume(dataDir);
      throw toolError(`setting the size limit of ${dataDir}`, err);
    }
  }

  async setLimit(dataDir: string, handle: QuotaHandle, limits: QuotaLimits): Promise<void> {
    await this.ctx.exec('btrfs', ['qgroup', 'limit', limits.size === undefined ? 'none' : String(limits.size), handle.id, dataDir]);
  }

  async snapshot(source: string, target: string, readOnly: boolean): Promise<QuotaHandle> {
    try {
      await this.ctx.exec('btrfs', ['subvolume', 'snapshot', ...(readOnly ? ['-r'] : []), source, target]);
    } catch (err) {
      throw toolError(`snapshotting ${source} to ${target}`, err);
    }
    try {
      return await this.qgroupOf(target);
    } catch (err) {
      await this.deleteSubvolume(target);
      throw toolError(`reading the subvolume id of ${target}`, err);
    }
  }

  async deleteSnapshot(path: string, handle: QuotaHandle | undefined): Promise<void> {
    try {
      await this.ctx.exec('btrfs', ['subvolume', 'delete', path]);
    } catch (err) {
      if (!/No such file or directory|not exist/i.test((err as { stderr?: string }).stderr ?? '')) throw toolError(`deleting snapshot ${path}`, err);
    }
    if (handle) await this.release(path, handle);
  }

  private async qgroupOf(subvolume: string): Promise<QuotaHandle> {
    const rootId = (await this.ctx.exec('btrfs', ['inspect-internal', 'rootid', subvolume])).trim();
    if (!/^\d+$/.test(rootId)) throw new Error(`unexpected subvolume id ${JSON.stringify(rootId)}`);
    return { id: `0/${rootId}` };
  }

  async usage(handles: readonly QuotaHandle[]): Promise<Map<string, QuotaUsage>> {
    const out = new Map<string, QuotaUsage>();
    if (handles.length === 0) return out;
    const wanted = new Set(handles.map((h) => h.id));
    const text = await this.ctx.exec('btrfs', ['qgroup', 'show', '--raw', this.ctx.mountPoint]);
    for (const line of text.split('\n')) {
      const [id, referenced] = line.trim().split(/\s+/);
      if (id && wanted.has(id) && /^\d+$/.test(referenced ?? '')) out.set(id, { usedBytes: Number(referenced) });
    }
    return out;
  }

  async release(_dataDir: string, handle: QuotaHandle): Promise<void> {
    // The subvolume went with rmdir; its qgroup can only be destroyed once the cleaner has dropped
    // it, which happens after a transaction commit: commit now rather than wait up to 30 s for one.
    const subvolId = handle.id.split('/')[1]!;
    try {
      await this.ctx.exec('btrfs', ['filesystem', 'sync', this.ctx.mountPoint]);
      await this.ctx.exec('btrfs', ['subvolume', 'sync', this.ctx.mountPoint, subvolId]);
      await this.ctx.exec('btrfs', ['qgroup', 'destroy', handle.id, this.ctx.mountPoint]);
    } catch (err) {
      // Newer kernels drop the qgroup of a deleted subvolume themselves.
      if (/No such file or directory|not exist/i.test((err as { stderr?: string }).stderr ?? '')) return;
      throw toolError(`destroying btrfs qgroup ${handle.id}`, err);
    }
  }

  private async deleteSubvolume(dataDir: string): Promise<void> {
    try {
      await this.ctx.exec('btrfs', ['subvolume', 'delete', dataDir]);
    } catch (err) {
      this.ctx.log.warn(`could not delete subvolume ${dataDir} while undoing a create`, { error: (err as Error).message });
    }
  }

  private notReady(err: unknown, volume: string | undefined): VolError {
    const mp = this.ctx.mountPoint;
    if (errnoCode(err) === 'ENOENT') {
      return new VolError('QUOTA_UNSUPPORTED', `${aboutVolume(volume)}size limits on btrfs (${mp}) are not supported without the btrfs tool`, {
        hint: 'install btrfs-progs',
        cause: err,
      });
    }
    return new VolError('QUOTA_UNSUPPORTED', `${aboutVolume(volume)}size limits are not supported on btrfs (${mp}) while quotas are disabled there`, {
      hint: `enable them with: btrfs quota enable ${mp}`,
      cause: err,
    });
  }
}
