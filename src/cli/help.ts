import type { Command } from 'commander';

/** Two or three examples per command, shown under its `--help` and in the man page. */
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  create: ['vol create cache', 'vol create --ignore -l team=ci -o o=uid=1000,gid=1000 home1', 'vol create -o type=tmpfs -o o=size=64m scratch'],
  rm: ['vol rm cache', 'vol rm --force --time 10 busy', 'vol rm --all'],
  ls: ['vol ls', 'vol ls -q --filter label=team=ci', "vol ls --format 'table {{.Name}}\\t{{.Driver}}'"],
  inspect: ['vol inspect cache', "vol inspect --format '{{.Mountpoint}}' cache", 'vol inspect --all'],
  exists: ['vol exists cache && echo present', 'vol exists missing || echo absent'],
  info: ['vol info', "vol info --format '{{.QuotaBackend}}'", 'vol info --format json'],
  mount: ['vol mount scratch', 'vol mount --holder job-42 --pid $$ scratch'],
  unmount: ['vol unmount scratch', 'vol unmount --holder job-42 scratch'],
  prune: ['vol prune', 'vol prune --dry-run --filter label=tmp', 'vol prune -f --filter until=24h'],
  reload: ['vol --volume-plugin nfs=/run/nfs.sock reload', 'vol reload --format json'],
  export: ['vol export cache -o cache.tar', 'vol export cache | vol import cache-copy -'],
  import: ['vol import cache cache.tar', 'curl -s https://example.com/data.tar | vol import cache -'],
  events: ['vol events --since 1h --filter type=remove', 'vol events --filter volume=cache --format json', "vol events --follow --format '{{.Type}} {{.Volume}}'"],
  version: ['vol version', 'vol version --format json', "vol version --format '{{.SQLiteVersion}}'"],
  completion: ['source <(vol completion bash)', 'vol completion zsh > "${fpath[1]}/_vol"', 'vol completion fish > ~/.config/fish/completions/vol.fish'],
  df: ['vol df', 'vol df -v', 'vol system df --format json'],
  check: ['vol check', 'vol check --repair', 'vol check --format json'],
  plugin: ['vol plugin serve', 'vol plugin serve --socket /run/vol/vol.sock --name vol', 'vol plugin serve --log-format json'],
  csi: ['vol csi serve --endpoint unix:///var/lib/kubelet/plugins/vol.csi.vol.dev/csi.sock --node-id node1', 'vol csi serve --node-id node1   # endpoint from CSI_ENDPOINT'],
  'nomad-host-volume': ['vol nomad-host-volume fingerprint', 'vol nomad-host-volume create    # DHV_VOLUME_NAME, DHV_CAPACITY_MAX_BYTES, ... from Nomad', 'vol nomad-host-volume delete'],
};

/** The examples block of `command`'s help, indented as commander indents its sections. */
export function examplesText(name: string): string {
  const lines = EXAMPLES[name];
  return lines ? `\nExamples:\n${lines.map((l) => `  ${l}\n`).join('')}` : '';
}

/** Adds the examples to every subcommand's help and to the top-level help. */
export function addExamples(program: Command): void {
  for (const cmd of program.commands) {
    const text = examplesText(cmd.name());
    if (text) cmd.addHelpText('after', text);
  }
  program.addHelpText('after', "\nExamples:\n  vol create --ignore demo && vol ls\n  vol ls --root /srv/vol -q\n  vol help create\n\nSee 'vol COMMAND --help' for the flags of a command.\n");
}
