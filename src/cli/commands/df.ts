import { handle, type Register } from './shared.ts';

/** `vol df [-v] [--format json|TEMPLATE]` (also `vol system df`): counts, sizes and what prune would reclaim. */
export const registerDf: Register = (program, env) => {
  const { ctx, progress } = env;
  program
    .command('df')
    .description('Show disk usage of volumes: counts, active ones, total size and what prune would reclaim')
    .option('-v, --verbose', 'show each volume: holders (LINKS), size, and where the size came from (quota or walk)')
    .option('--format <format>', 'json, or a Go template such as {{.Size}} ({{.VolumeName}} with -v)')
    .option('-q, --quiet', 'draw no progress line on a terminal')
    .action(handle(env, async (flags: { verbose?: boolean; format?: string; quiet?: boolean }) => {
      const { renderDf } = await import('../df-render.ts');
      const engine = await ctx.engine(true);
      const line = progress({ verb: 'Measuring', noun: 'volumes', quiet: flags.quiet });
      const report = await engine.df((p) => line.update(p)).finally(() => line.end());
      return { stdout: renderDf(report, Boolean(flags.verbose), flags.format), errors: [], warnings: report.warnings };
    }));
};
