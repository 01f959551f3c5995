import { VolError } from '../../core/errors.ts';
import { ok } from '../result.ts';
import { handle, type Register } from './shared.ts';

/** `vol completion bash|zsh|fish`: prints a script that completes commands, flags, flag values and volume names. */
export const registerCompletion: Register = (program, env) => {
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish) for commands, flags, values and volume names')
    .argument('<shell>', 'bash, zsh or fish')
    .action(handle(env, async (shell: string) => {
      const { COMPLETION_SCRIPTS } = await import('../completion-scripts.ts');
      const script = COMPLETION_SCRIPTS[shell];
      if (script === undefined) throw new VolError('INVALID_ARG', `unsupported shell ${JSON.stringify(shell)}: use bash, zsh or fish`);
      return ok(script);
    }));
};
