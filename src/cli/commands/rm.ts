import { VolError } from '../../core/errors.ts';
import { reportsResult } from '../result.ts';
import { handle, type Register } from './shared.ts';

interface RmFlags {
  all?: boolean;
  force?: boolean;
  time?: string;
  quiet?: boolean;
}

/** `vol rm NAME... | --all`: prints each removed volume's name; errors per volume on stderr. */
export const registerRm: Register = (program, env) => {
  const { ctx, progress } = env;
  program
    .command('rm')
    .alias('remove')
    .description('Remove one or more volumes')
    .argument('[names...]', 'volume names or unique prefixes')
    .option('-a, --all', 'remove all volumes')
    .option('-f, --force', 'remove volumes in use too, and ignore missing ones')
    .option('-t, --time <seconds>', 'seconds holders get to release a volume before a forced removal')
    .option('-q, --quiet', 'draw no progress line on a terminal')
    .action(handle(env, async (names: string[], flags: RmFlags) => {
      if ((names.length > 0) === Boolean(flags.all)) {
        throw new VolError('INVALID_ARG', 'choose either one or more volumes or all');
      }
      if (flags.time !== undefined && !flags.force) {
        throw new VolError('INVALID_ARG', '--force option must be specified to use the --time option');
      }
      const timeout = flags.time === undefined ? undefined : Number(flags.time);
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 0)) {
        throw new VolError('INVALID_ARG', `invalid --time ${JSON.stringify(flags.time)}: expected a whole number of seconds`);
      }
      const engine = await ctx.engine(false);
      const line = progress({ verb: 'Removing', noun: 'volumes', quiet: flags.quiet });
      const reports = await engine.rm({ names, all: Boolean(flags.all), force: Boolean(flags.force), timeout }, (p) => line.update(p)).finally(() => line.end());
      return reportsResult(reports);
    }));
};
