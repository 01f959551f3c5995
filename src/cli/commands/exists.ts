import { handle, type Register } from './shared.ts';

/** `vol exists NAME`: exit 0 if a volume has exactly that name, else 1; prints nothing. */
export const registerExists: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('exists')
    .description('Check whether a volume exists (exit 0 if it does, 1 if not)')
    .argument('<name>', 'exact volume name')
    .action(handle(env, async (name: string) => {
      const engine = await ctx.engine(true);
      return { stdout: '', errors: [], no: !engine.exists(name) };
    }));
};
