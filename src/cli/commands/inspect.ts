import { VolError } from '../../core/errors.ts';
import type { VolumeInspect } from '../../core/model.ts';
import { renderJson, renderTemplate, templateResult } from '../render.ts';
import { isJsonFormat } from '../template/index.ts';
import type { Register } from './shared.ts';

interface InspectFlags {
  all?: boolean;
  format: string;
}

/** `vol inspect NAME... | --all`: a JSON array, or a template line per volume in argument order. */
export const registerInspect: Register = (program, { ctx, finish }) => {
  program
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .argument('[names...]', 'volume names or unique prefixes')
    .option('-a, --all', 'inspect all volumes')
    .option('-f, --format <format>', 'json, or a Go template such as {{.Mountpoint}}', 'json')
    .action(async (names: string[], flags: InspectFlags) => {
      if ((names.length > 0) === Boolean(flags.all)) {
        throw new VolError('INVALID_ARG', 'provide one or more volume names or use --all');
      }
      const engine = await ctx.engine(true);
      const { reports, warnings } = await engine.inspect(names, Boolean(flags.all));
      const volumes = reports.flatMap((r) => (r.volume ? [r.volume] : []));
      const errors = reports.flatMap((r) => (r.error ? [r.error] : []));
      const out = templateResult(() => render(volumes, flags.format));
      finish({ stdout: out.stdout, errors: [...errors, ...out.errors], warnings });
    });
};

function render(volumes: VolumeInspect[], format: string): string {
  return isJsonFormat(format) || format === '' ? renderJson(volumes) : renderTemplate(format, volumes, false);
}
