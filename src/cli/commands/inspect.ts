import { VolError } from '../../core/errors.ts';
import type { VolumeInspect } from '../../core/model.ts';
import { renderJson, renderTemplate, templateResult } from '../render.ts';
import { isJsonFormat } from '../template/index.ts';
import { handle, type Register } from './shared.ts';
import type { Engine } from '../../core/engine.ts';
import type { Writable } from 'node:stream';

interface InspectFlags {
  all?: boolean;
  format: string;
}

/** `vol inspect NAME... | --all`: a JSON array, or a template line per volume in argument order. */
export const registerInspect: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('inspect')
    .description('Display detailed information on one or more volumes')
    .argument('[names...]', 'volume names or unique prefixes')
    .option('-a, --all', 'inspect all volumes')
    .option('-f, --format <format>', 'json, or a Go template such as {{.Mountpoint}}', 'json')
    .action(handle(env, async (names: string[], flags: InspectFlags) => {
      if ((names.length > 0) === Boolean(flags.all)) {
        throw new VolError('INVALID_ARG', 'provide one or more volume names or use --all');
      }
      const engine = await ctx.engine(true);
      if (flags.all && (isJsonFormat(flags.format) || flags.format === '')) {
        // Written a page at a time: 100,000 volumes never sit in memory as objects, nor as one string.
        const warnings: string[] = [];
        return { stdout: '', errors: [], warnings, streams: async (io) => void warnings.push(...(await writeJsonPages(engine, io.stdoutBytes()))) };
      }
      const { reports, warnings } = await engine.inspect(names, Boolean(flags.all));
      const volumes = reports.flatMap((r) => (r.volume ? [r.volume] : []));
      const errors = reports.flatMap((r) => (r.error ? [r.error] : []));
      const out = templateResult(() => render(volumes, flags.format));
      return { stdout: out.stdout, errors: [...errors, ...out.errors], warnings };
    }));
};

/** The JSON array `renderJson` prints, written a page of items at a time as the engine gives them. */
async function writeJsonPages(engine: Engine, out: Writable): Promise<string[]> {
  const write = (text: string | Buffer) => new Promise<void>((resolve, reject) => out.write(text, (err) => (err ? reject(err) : resolve())));
  let first = true;
  const warnings = await engine.inspectTextPages(async (items) => {
    await write(first ? '[\n' : ',\n');
    await write(items);
    first = false;
    return true;
  });
  await write(first ? '[]\n' : '\n]\n');
  return warnings;
}

function render(volumes: VolumeInspect[], format: string): string {
  return isJsonFormat(format) || format === '' ? renderJson(volumes) : renderTemplate(format, volumes, false);
}
