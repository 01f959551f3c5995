import { CHECK_KINDS, type CheckFinding, type CheckOptions, type CheckReport } from './check-model.ts';
import { repairFinding } from './check-repair.ts';
import { scanAll } from './check-scan.ts';
import type { Runtime } from './runtime.ts';

/**
 * `vol check`: reports every inconsistency between the database, the volume directories, the
 * mount table, the locks and the quota backends. With `repair`, fixes what is safe (kind by kind,
 * in CHECK_KINDS order, each re-checked under its volume's lock), then looks again.
 */
export async function checkVolumes(rt: Runtime, opts: CheckOptions): Promise<CheckReport> {
  const findings = await scanAll(rt, opts.onProgress);
  if (!opts.repair) return { findings, remaining: findings };
  let done = 0;
  for (const kind of CHECK_KINDS) {
    for (const f of findings.filter((x) => x.kind === kind)) {
      try {
        await repairFinding(rt, f);
      } catch (err) {
        f.error = (err as Error).message;
      }
      opts.onProgress?.('repair', ++done, findings.length);
    }
  }
  const remaining = await scanAll(rt);
  for (const f of findings) f.outcome = f.error !== undefined || remaining.some((r) => sameFinding(r, f)) ? 'remains' : 'repaired';
  return { findings, remaining };
}

function sameFinding(a: CheckFinding, b: CheckFinding): boolean {
  return a.kind === b.kind && a.volume === b.volume && a.path === b.path && a.quotaId === b.quotaId;
}
