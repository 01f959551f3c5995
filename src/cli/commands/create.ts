import { ok } from '../result.ts';
import { collect, handle, parseKeyValues, type Register } from './shared.ts';

interface CreateFlags {
  driver: string;
  label: string[];
  opt: string[];
  ignore?: boolean;
}

/** `vol create [NAME]`: prints the new (or, with --ignore, existing) volume's name. */
export const registerCreate: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('create')
    .description('Create a new volume')
    .argument('[name]', 'volume name (random 64 hex characters when empty)')
    .option('-d, --driver <driver>', 'volume driver', 'local')
    .option('-l, --label <key[=value]>', 'set a label on the volume (repeatable)', collect, [])
    .option('-o, --opt <key[=value]>', 'set a driver option (repeatable)', collect, [])
    .option('--ignore', 'do nothing and print the name if the volume already exists')
    .action(handle(env, async (name: string | undefined, flags: CreateFlags) => {
      const labels = parseKeyValues(flags.label, 'label');
      const options = parseKeyValues(flags.opt, 'option');
      const engine = await ctx.engine(false);
      const report = await engine.create({ name, driver: flags.driver, labels, options, ignoreIfExists: flags.ignore });
      return ok(report.volume.name + '\n');
    }));
};
