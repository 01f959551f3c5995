import { arch, platform } from 'node:process';
import { engineVersion } from '../../core/version.ts';
import { buildInfo } from '../build-info.ts';
import { renderFields, renderJson } from '../render.ts';
import { ok } from '../result.ts';
import { compileTemplate } from '../template/index.ts';
import { handle, type Register } from './shared.ts';

/** The fields of `vol version`, as JSON and template keys. */
export interface VolVersion {
  Version: string;
  GitCommit: string;
  NodeVersion: string;
  SQLiteVersion: string;
  SchemaVersion: number;
  OsArch: string;
}

/** vol's version and those of what it runs on; the version line of `vol --version`. */
export function versionLine(): string {
  return `vol version ${buildInfo().version}`;
}

/** `vol version [--format json|TEMPLATE]`: vol, Node, SQLite, schema and build commit. */
export const registerVersion: Register = (program, env) => {
  program
    .command('version')
    .description('Show the versions of vol, Node.js, SQLite and the database schema, and the commit built')
    .option('-f, --format <format>', 'json, or a Go template such as {{.Version}}')
    .action(handle(env, async (flags: { format?: string }) => {
      const { version, commit } = buildInfo();
      const v: VolVersion = { Version: version, GitCommit: commit, NodeVersion: process.version, ...engineVersion(), OsArch: `${platform}/${arch}` };
      if (flags.format === 'json') return ok(renderJson(v));
      if (flags.format !== undefined) return ok(compileTemplate(flags.format, 'version').render(v) + '\n');
      const rows: [string, string | number][] = [
        ['Version', v.Version],
        ['Git Commit', v.GitCommit],
        ['Node Version', v.NodeVersion],
        ['SQLite Version', v.SQLiteVersion],
        ['Schema Version', v.SchemaVersion],
        ['OS/Arch', v.OsArch],
      ];
      return ok(renderFields(rows));
    }));
};
