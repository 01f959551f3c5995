import { createReadStream, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { openError } from './export.ts';
import type { Register } from './shared.ts';

/** `vol import VOLUME SOURCE`: extracts a tar file (`-`: stdin) into the volume; prints nothing. */
export const registerImport: Register = (program, { ctx, finish }) => {
  program
    .command('import')
    .description('Import a tar archive (a file, or - for stdin) into a volume')
    .argument('<volume>', 'volume name or unique prefix')
    .argument('<source>', 'tar file, or - for stdin')
    .action(async (volume: string, source: string) => {
      const engine = await ctx.engine(false);
      // The source is opened only once the volume is found, so a missing volume is the error shown.
      finish({ stdout: '', errors: [], streams: (io) => engine.import(volume, () => (source === '-' ? io.stdinBytes() : openSource(source))) });
    });
};

function openSource(path: string): Readable {
  try {
    return createReadStream(path, { fd: openSync(path, 'r') });
  } catch (err) {
    throw openError(path, err);
  }
}
