import { ok } from '../result.ts';
import type { Register } from './shared.ts';

/** `vol mount NAME`: mounts the volume (if it is a mount) and prints its mountpoint. */
export const registerMount: Register = (program, { ctx, finish }) => {
  program
    .command('mount')
    .description('Mount a volume and print its mountpoint')
    .argument('<name>', 'volume name or unique prefix')
    .action(async (name: string) => {
      const engine = await ctx.engine(false);
      finish(ok((await engine.mount(name)) + '\n'));
    });
};

/** `vol unmount NAME`: drops one mount and prints the argument as given. */
export const registerUnmount: Register = (program, { ctx, finish }) => {
  program
    .command('unmount')
    .alias('umount')
    .description('Unmount a volume (the real unmount happens when its mount count reaches 0)')
    .argument('<name>', 'volume name or unique prefix')
    .action(async (name: string) => {
      const engine = await ctx.engine(false);
      await engine.unmount(name);
      finish(ok(name + '\n'));
    });
};
