import type { Command, Option } from 'commander';
import { EXAMPLES } from './help.ts';

/** Escapes text for roff: backslashes, hyphens, and a leading dot or quote. */
function esc(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function flagItem(o: Option): string {
  const value = o.flags.replace(/^[^<[]*/, '').trim();
  const names = o.flags.slice(0, o.flags.length - value.length).trim();
  return `.TP\n.B ${esc(names)}${value ? ` \\fI${esc(value)}\\fR` : ''}\n${esc(o.description)}${o.defaultValue !== undefined && !Array.isArray(o.defaultValue) ? ` (default: ${esc(String(o.defaultValue))})` : ''}\n`;
}

function examples(name: string): string {
  const lines = EXAMPLES[name];
  return lines ? `.PP\nExamples:\n.RS\n.nf\n${lines.map((l) => esc(l) + '\n').join('')}.fi\n.RE\n` : '';
}

function commandSection(cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`));
  const aliases = cmd.aliases().length ? ` (alias: ${cmd.aliases().join(', ')})` : '';
  let out = `.SS "vol ${esc(cmd.name())}${cmd.options.length ? ' [flags]' : ''}${args.length ? ' ' + esc(args.join(' ')) : ''}"\n`;
  out += `${esc(cmd.description())}${esc(aliases)}.\n`;
  for (const o of cmd.options) out += flagItem(o);
  return out + examples(cmd.name());
}

/** The vol(1) man page in roff, made from the same command definitions as `--help`. */
export function renderManPage(program: Command, version: string, date: string): string {
  const commands = program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden && c.name() !== 'help');
  return [
    `.TH VOL 1 "${date}" "vol ${esc(version)}" "User Commands"\n`,
    `.SH NAME\nvol \\- manage named volumes on a Linux host (podman volume compatible)\n`,
    `.SH SYNOPSIS\n.B vol\n[\\fIglobal flags\\fR] \\fIcommand\\fR [\\fIflags\\fR] [\\fIarguments\\fR]\n.br\n.B vol volume\n\\fIcommand\\fR ...\n`,
    `.SH DESCRIPTION\n${esc(program.description())}. Global flags may come before or after the command; \\fB\\-\\-\\fR ends flag parsing. ` +
      `Results go to stdout, errors to stderr as one line \\fBError: ...\\fR each.\n`,
    `.SH GLOBAL FLAGS\n${program.options.map(flagItem).join('')}`,
    `.SH COMMANDS\n${commands.map(commandSection).join('')}`,
    `.SH EXIT STATUS\n.TP\n.B 0\nsuccess\n.TP\n.B 1\n\\fBexists\\fR found no volume, or \\fBrm\\fR failed only because a named volume does not exist\n` +
      `.TP\n.B 2\n\\fBrm\\fR refused a volume in use\n.TP\n.B 125\nevery other error, usage errors included\n`,
    `.SH ENVIRONMENT\n.TP\n.B VOL_ROOT\nthe root when \\fB\\-\\-root\\fR is not given\n.TP\n.B VOL_CONFIG\nthe config file when \\fB\\-\\-config\\fR is not given\n`,
    `.SH FILES\n.TP\n.I /var/lib/vol\nthe default root for root (other users: \\fI$XDG_DATA_HOME/vol\\fR)\n`,
    `.SH SEE ALSO\n.BR podman-volume (1)\n`,
  ].join('');
}
