import { renderJson } from '../render.ts';
import { handle, type Register } from './shared.ts';

/** `vol reload`: syncs vol's records with the volumes the configured plugins hold. */
export const registerReload: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('reload')
    .description('Add volumes that plugins hold and vol does not know, forget those they no longer hold')
    .option('--format <format>', 'json: {added, removed, errors}')
    .action(handle(env, async (flags: { format?: string }) => {
      const engine = await ctx.engine(false);
      const r = await engine.reload();
      if (flags.format === 'json') {
        // Errors are part of the JSON; they still decide the exit code.
        return { stdout: renderJson({ added: r.added, removed: r.removed, errors: r.errors.map((e) => e.message) }), errors: r.errors, errorsInStdout: true };
      }
      let out = '';
      if (r.added.length) out += 'Added:\n' + r.added.map((n) => n + '\n').join('');
      if (r.removed.length) out += 'Removed:\n' + r.removed.map((n) => n + '\n').join('');
      return { stdout: out, errors: r.errors };
    }));
};
