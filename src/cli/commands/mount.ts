import { VolError } from '../../core/errors.ts';
import { ok } from '../result.ts';
import { handle, type Register } from './shared.ts';

/** `vol mount NAME`: mounts the volume (if it is a mount) and prints its mountpoint. */
export const registerMount: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('mount')
    .description('Mount a volume and print its mountpoint')
    .argument('<name>', 'volume name or unique prefix')
    .option('--holder <id>', 'record ID as a holder: the volume is in use until ID unmounts it')
    .option('--pid <pid>', 'tie the holder to this process: once it exits the holder no longer counts')
    .action(handle(env, async (name: string, flags: { holder?: string; pid?: string }) => {
      if (flags.pid !== undefined && flags.holder === undefined) throw new VolError('INVALID_ARG', '--pid needs --holder');
      if (flags.holder === '') throw new VolError('INVALID_ARG', 'invalid --holder "": a holder id must not be empty');
      if (flags.pid !== undefined && !/^[1-9]\d*$/.test(flags.pid)) throw new VolError('INVALID_ARG', `invalid --pid ${JSON.stringify(flags.pid)}: expected a process id`);
      const pid = flags.pid === undefined ? undefined : Number(flags.pid);
      const engine = await ctx.engine(false);
      const holder = flags.holder === undefined ? undefined : { id: flags.holder, pid };
      return ok((await engine.mount(name, holder)) + '\n');
    }));
};

/** `vol unmount NAME`: drops one mount and prints the argument as given. */
export const registerUnmount: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('unmount')
    .alias('umount')
    .description('Unmount a volume (the real unmount happens when its mount count reaches 0)')
    .argument('<name>', 'volume name or unique prefix')
    .option('--holder <id>', 'drop this holder (and the mount it counted)')
    .action(handle(env, async (name: string, flags: { holder?: string }) => {
      const engine = await ctx.engine(false);
      await engine.unmount(name, flags.holder);
      return ok(name + '\n');
    }));
};
