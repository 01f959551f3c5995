import type { CheckFinding, CheckReport } from '../../core/check-model.ts';
import { renderJson, renderRows } from '../render.ts';
import { handle, type Register } from './shared.ts';

/** `vol check [--repair]`: one line per inconsistency a crash, a full disk or an edit left behind. */
export const registerCheck: Register = (program, env) => {
  const { ctx, progress } = env;
  program
    .command('check')
    .description('Report inconsistencies between the database, volume directories, mounts, locks and quotas; --repair fixes the safe ones')
    .option('--repair', 'fix what is safe (unknown directories are moved to lost+found, never deleted)')
    .option('--format <format>', 'json, or a Go template over Kind, Volume, Path, Detail, Repair, Outcome, Error')
    .option('-q, --quiet', 'draw no progress line on a terminal')
    .action(handle(env, async (flags: { repair?: boolean; format?: string; quiet?: boolean }) => {
      // A look alone leaves a missing root alone; a repair may have to write.
      const engine = await ctx.engine(!flags.repair);
      // One line per phase: the scan counts volumes, the repair counts findings.
      const lines = new Map<string, ReturnType<typeof progress>>();
      const lineOf = (phase: string) => {
        let line = lines.get(phase);
        if (!line) {
          for (const other of lines.values()) other.end();
          line = progress({ verb: phase === 'repair' ? 'Repairing' : 'Checking', noun: phase === 'repair' ? 'findings' : phase, quiet: flags.quiet });
          lines.set(phase, line);
        }
        return line;
      };
      const onProgress = (phase: string, done: number, total: number) => lineOf(phase).update({ done, total });
      const report = await engine.check({ repair: Boolean(flags.repair), onProgress }).finally(() => {
        for (const line of lines.values()) line.end();
      });
      return { stdout: render(report, flags.format), errors: [], no: report.remaining.length > 0 };
    }));
};

/** The fields a finding shows in JSON and templates, in Podman's capitalised style. */
function fields(f: CheckFinding): Record<string, string> {
  const out: Record<string, string> = { Kind: f.kind, Volume: f.volume ?? '', Path: f.path ?? '', Detail: f.detail, Repair: f.repair };
  if (f.outcome) out.Outcome = f.outcome;
  if (f.error !== undefined) out.Error = f.error;
  return out;
}

function render(report: CheckReport, format: string | undefined): string {
  const rows = report.findings.map(fields);
  if (format === 'json') return renderJson(rows);
  if (format !== undefined) return renderRows(format, rows, 'check', 'CheckFinding');
  return report.findings.map((f) => line(f) + '\n').join('');
}

/** `KIND SUBJECT: DETAIL; repair: WHAT[: OUTCOME]`. */
function line(f: CheckFinding): string {
  const subject = f.volume !== undefined && f.path !== undefined ? `${f.volume} (${f.path})` : (f.volume ?? f.path ?? '-');
  const outcome = f.outcome === undefined ? '' : f.outcome === 'repaired' ? ' [repaired]' : ` [remains${f.error ? `: ${f.error}` : ''}]`;
  return `${f.kind.padEnd(16)} ${subject}: ${f.detail}; repair: ${f.repair}${outcome}`.replace(/\s*\n\s*/g, ' ');
}
