import { VolError } from '../../core/errors.ts';
import { renderJson, renderTemplate, renderVolumeTable, templateResult } from '../render.ts';
import { isJsonFormat } from '../template/index.ts';
import type { VolumeInspect } from '../../core/model.ts';
import { collect, handle, type Register } from './shared.ts';

interface LsFlags {
  filter: string[];
  format?: string;
  noheading?: boolean;
  quiet?: boolean;
}

/** `vol ls`: a table, names (-q), JSON or a Go template per volume. */
export const registerLs: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('ls')
    .alias('list')
    .description('List volumes')
    .option('-f, --filter <key=value>', 'filter output (repeatable)', collect, [])
    .option('--format <format>', 'json, or a Go template such as {{.Name}}; "table " adds a header')
    .option('-n, --noheading', 'do not print the header')
    .option('-q, --quiet', 'print volume names only')
    .action(handle(env, async (flags: LsFlags) => {
      if (flags.quiet && flags.format !== undefined) {
        throw new VolError('INVALID_ARG', 'quiet and format flags cannot be used together');
      }
      const engine = await ctx.engine(true);
      // The table and -q show name and driver only: nothing else is read or converted.
      if (flags.quiet || flags.format === undefined) {
        const { volumes, warnings } = await engine.lsBrief(flags.filter);
        return { stdout: flags.quiet ? volumes.map((v) => v.name + '\n').join('') : renderVolumeTable(volumes, !flags.noheading), errors: [], warnings };
      }
      // Quota usage costs a tool run per backend: read it only when the output can show it (.Quota, json, a bare dot or $).
      const format = flags.format;
      const withQuota = /Quota|json|\.(?![\p{L}\d_])|\$/u.test(format);
      const { volumes, warnings } = await engine.ls(flags.filter, withQuota);
      return { ...templateResult(() => render(volumes, { ...flags, format })), warnings };
    }));
};

function render(volumes: VolumeInspect[], flags: LsFlags & { format: string }): string {
  if (isJsonFormat(flags.format)) return renderJson(volumes, 2);
  return renderTemplate(flags.format, volumes, true, !flags.noheading);
}
