import { chmodSync, mkdirSync, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { QuotaBackend, QuotaHandle, QuotaLimits, QuotaUsage } from './backend.ts';
import { execTool, toolError } from './exec.ts';

/**
 * `type=tmpfs` volumes: the tmpfs enforces `size=` and `nr_inodes=` itself once mounted, so
 * there is nothing to set up here; usage is what the mounted tmpfs reports.
 */
export class TmpfsQuota implements QuotaBackend {
  readonly name = 'tmpfs';

  async check(): Promise<void> {}

  async makeLimitedDir(dataDir: string): Promise<QuotaHandle> {
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    return { id: dataDir };
  }

  async usage(handles: readonly QuotaHandle[]): Promise<Map<string, QuotaUsage>> {
    const out = new Map<string, QuotaUsage>();
    for (const h of handles) {
      // Unmounted, the directory lives on the host file system and holds nothing of the volume.
      if (statSync(h.id).dev === statSync(dirname(h.id)).dev) {
        out.set(h.id, { usedBytes: 0 });
        continue;
      }
      const st = statfsSync(h.id);
      out.set(h.id, { usedBytes: (st.blocks - st.bfree) * st.bsize });
    }
    return out;
  }

  async release(): Promise<void> {}

  async setLimit(dataDir: string, _handle: QuotaHandle, limits: QuotaLimits): Promise<void> {
    // Unmounted, the new limit takes effect at the next mount, which reads it from the volume.
    if (statSync(dataDir).dev === statSync(dirname(dataDir)).dev) return;
    try {
      await execTool('mount', ['-o', ['remount', ...tmpfsLimitOptions(limits)].join(','), dataDir]);
    } catch (err) {
      throw toolError(`resizing the tmpfs at ${dataDir}`, err);
    }
  }
}

/** The tmpfs mount options that carry a volume's limits, as plain numbers (the kernel rejects `1MiB`). */
export function tmpfsLimitOptions(limits: QuotaLimits): string[] {
  const out: string[] = [];
  if (limits.size !== undefined) out.push(`size=${limits.size}`);
  if (limits.inodes !== undefined) out.push(`nr_inodes=${limits.inodes}`);
  return out;
}
