import type { VolInfo } from '../../core/info.ts';
import { renderFields, renderJson } from '../render.ts';
import { compileTemplate } from '../template/index.ts';
import { ok } from '../result.ts';
import { handle, type Register } from './shared.ts';

/** `vol info`: where vol keeps its state and how it can limit volume sizes here. */
export const registerInfo: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('info')
    .description('Show the root, database, volume path, its file system and quota backend, and plugins')
    .option('-f, --format <format>', 'json, or a Go template such as {{.QuotaBackend}}')
    .action(handle(env, async (flags: { format?: string }) => {
      const engine = await ctx.engine(false);
      const info = await engine.info();
      if (flags.format === 'json') return ok(renderJson(info));
      if (flags.format !== undefined) return ok(compileTemplate(flags.format).render(info) + '\n');
      return ok(renderInfoTable(info));
    }));
};

function renderInfoTable(info: VolInfo): string {
  const plugins = Object.entries(info.Plugins).map(([name, sock]) => `${name}=${sock}`);
  const rows: [string, string][] = [
    ['Root', info.Root],
    ['Database', info.Database],
    ['VolumePath', info.VolumePath],
    ['Filesystem', info.Filesystem],
    ['QuotaBackend', info.QuotaBackend],
    ['QuotaStatus', info.QuotaStatus],
    ['Plugins', plugins.length ? plugins.join(', ') : '(none)'],
    ['ConfigFile', info.ConfigFile || '(none)'],
  ];
  return renderFields(rows);
}
