import { createWriteStream, openSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Engine } from '../../core/engine.ts';
import { VolError } from '../../core/errors.ts';
import { countingWritable } from '../byte-progress.ts';
import { handle, type Register } from './shared.ts';

/** `vol export VOLUME [-o FILE]`: a tar of the volume's contents to FILE or stdout, nothing else. */
export const registerExport: Register = (program, env) => {
  const { ctx, progress } = env;
  program
    .command('export')
    .description('Export the contents of a volume to a tar archive (on stdout unless --output)')
    .argument('<volume>', 'volume name or unique prefix')
    .option('-o, --output <file>', 'write the archive to this file instead of stdout')
    .option('-q, --quiet', 'draw no progress line on a terminal')
    .action(handle(env, async (volume: string, flags: { output?: string; quiet?: boolean }) => {
      const file = flags.output;
      if (file === '') throw new VolError('INVALID_ARG', 'invalid --output "": expects a file name');
      const engine = await ctx.engine(false);
      const line = progress({ verb: 'Exporting', noun: volume, quiet: flags.quiet });
      const counted = (out: Writable) => countingWritable(out, (bytes) => line.update({ done: 0, bytes }));
      return {
        stdout: '',
        errors: [],
        streams: (io) =>
          (file === undefined ? engine.export(volume, () => counted(io.stdoutBytes())) : exportToFile(engine, volume, file, counted)).finally(() => line.end()),
      };
    }));
};

/** The error for a file vol could not open, worded as Go words it (`open PATH: no such file or directory`). */
export function openError(path: string, err: unknown): VolError {
  const why = (err as Error).message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return new VolError('IO_FAILED', `open ${path}: ${why}`, { cause: err });
}

async function exportToFile(engine: Engine, volume: string, file: string, wrap: (out: Writable) => Writable): Promise<void> {
  let opened = false;
  const open = (): Writable => {
    try {
      const out = createWriteStream(file, { fd: openSync(file, 'w') });
      opened = true;
      return wrap(out);
    } catch (err) {
      throw openError(file, err);
    }
  };
  try {
    // The file is opened only once the volume is found: a missing volume leaves no file behind.
    await engine.export(volume, open);
  } catch (err) {
    // A partly written archive would pass for a whole one.
    if (opened) rmSync(file, { force: true });
    throw err;
  }
}
