import { createReadStream, fstatSync, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { countingReadable } from '../byte-progress.ts';
import { openError } from './export.ts';
import { handle, type Register } from './shared.ts';

/** `vol import VOLUME SOURCE`: extracts a tar file (`-`: stdin) into the volume; prints nothing. */
export const registerImport: Register = (program, env) => {
  const { ctx, progress } = env;
  program
    .command('import')
    .description('Import a tar archive (a file, or - for stdin) into a volume')
    .argument('<volume>', 'volume name or unique prefix')
    .argument('<source>', 'tar file, or - for stdin')
    .option('-q, --quiet', 'draw no progress line on a terminal')
    .action(handle(env, async (volume: string, source: string, flags: { quiet?: boolean }) => {
      const engine = await ctx.engine(false);
      const line = progress({ verb: 'Importing', noun: volume, quiet: flags.quiet });
      const input = (stream: Readable, totalBytes?: number) => countingReadable(stream, (bytes) => line.update({ done: 0, bytes, totalBytes }));
      // The source is opened only once the volume is found, so a missing volume is the error shown.
      return {
        stdout: '',
        errors: [],
        streams: (io) => engine.import(volume, () => (source === '-' ? input(io.stdinBytes()) : openSource(source, input))).finally(() => line.end()),
      };
    }));
};

function openSource(path: string, wrap: (stream: Readable, totalBytes?: number) => Readable): Readable {
  try {
    const fd = openSync(path, 'r');
    const st = fstatSync(fd);
    return wrap(createReadStream(path, { fd }), st.isFile() ? st.size : undefined);
  } catch (err) {
    throw openError(path, err);
  }
}
