import type { Engine } from '../../core/engine.ts';
import type { ProgressLine } from '../progress.ts';
import { reportsResult, type CommandResult } from '../result.ts';
import { collect, handle, type Register } from './shared.ts';

interface PruneFlags {
  force?: boolean;
  filter: string[];
  dryRun?: boolean;
  quiet?: boolean;
}

const WARNING = 'WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n';
const NOTHING = 'No dangling volumes found\n';
const PROMPT = 'Are you sure you want to continue? [y/N] ';

/** `vol prune`: removes every volume without a live holder that matches the filters. */
export const registerPrune: Register = (program, env) => {
  const { ctx, progress } = env;
  program
    .command('prune')
    .description('Remove all unused volumes (no live holder) that match the filters')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <key=value>', 'only volumes matching this filter (repeatable)', collect, [])
    .option('--dry-run', 'print what would be removed and remove nothing')
    .option('-q, --quiet', 'draw no progress line on a terminal')
    .action(handle(env, async (flags: PruneFlags) => {
      const engine = await ctx.engine(!!flags.dryRun);
      const names = engine.pruneCandidates(flags.filter);
      const list = names.map((n) => n + '\n').join('');
      // podman: 4.3.1 has no --dry-run; vol prints the names that would go, as `prune -f` prints those it removed.
      if (flags.dryRun) return { stdout: list, errors: [] };
      const line = () => progress({ verb: 'Pruning', noun: 'volumes', quiet: flags.quiet });
      if (flags.force) return removeAll(engine, names, line());
      // As Podman: the warning, then the list and the question, or the news that there is nothing to prune.
      if (names.length === 0) return { stdout: WARNING + NOTHING, errors: [] };
      return { stdout: WARNING + list, errors: [], confirm: { prompt: PROMPT, proceed: () => removeAll(engine, names, line()) } };
    }));
};

async function removeAll(engine: Engine, names: string[], line: ProgressLine): Promise<CommandResult> {
  return reportsResult(await engine.prune(names, (p) => line.update(p)).finally(() => line.end()));
}
