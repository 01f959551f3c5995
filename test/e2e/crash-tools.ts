import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Where the real tool lives, found before any wrapper is put on PATH. */
function realTool(tool: string): string {
  return execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
}

/**
 * Writes `mount` and `umount` wrappers into `<dir>/bin` and returns that directory, to be put
 * first on a vol's PATH. Each runs the real tool; when it succeeded and the vol's environment has
 * `VOL_TEST_KILL_AFTER_MOUNT=1` (or `..._UMOUNT=1`), it kills its caller with SIGKILL right after,
 * the crash window between mount(8) and the database write. `..._SLEEP_MS` sleeps instead first.
 */
export function crashToolsDir(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [tool, flag] of [['mount', 'MOUNT'], ['umount', 'UMOUNT']] as const) {
    const script = `#!/bin/sh
${realTool(tool)} "$@"
rc=$?
if [ "$rc" = 0 ] && [ "$VOL_TEST_KILL_AFTER_${flag}" = 1 ]; then
  kill -9 "$PPID"
fi
exit $rc
`;
    const file = join(bin, tool);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
  return bin;
}

/** A PATH with `bin` first. */
export function pathWith(bin: string): string {
  return `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
}
