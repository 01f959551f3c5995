import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { makeTemp } from './vol.ts';

/** A file system on a loop device, mounted in a temp dir; `dispose` always unmounts and detaches. */
export interface LoopFs {
  mnt: string;
  dispose(): void;
}

function which(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Skips the test (or, under CI=true, fails it) with a clear reason when `tool` is missing, so a
 * missing package never passes silently. Returns false when the test must stop.
 */
export function requireTool(t: TestContext, tool: string, pkg: string): boolean {
  if (which(tool)) return true;
  const reason = `${tool} is not installed (apt-get install ${pkg}; .ci/run installs it)`;
  if (process.env.CI === 'true') throw new Error(reason);
  t.skip(reason);
  return false;
}

/** Makes and mounts a `sizeMiB` file system of `type` (mkfs.<type>) with mount `options`. */
export function makeLoopFs(type: string, sizeMiB: number, options: string[] = []): LoopFs {
  const dir = makeTemp(`vol-${type}-`);
  const img = join(dir, 'fs.img');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  let mounted = false;
  const dispose = () => {
    if (mounted) execFileSync('umount', ['-d', mnt], { stdio: 'ignore' });
    mounted = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('truncate', ['-s', `${sizeMiB}M`, img]);
    execFileSync(`mkfs.${type}`, type === 'ext4' ? ['-q', '-F', img] : ['-q', img], { stdio: 'ignore' });
    execFileSync('mount', ['-o', ['loop', ...options].join(','), img, mnt]);
    mounted = true;
  } catch (err) {
    dispose();
    throw err;
  }
  return { mnt, dispose };
}
