import { execFile } from 'node:child_process';
import { VolError } from '../core/errors.ts';
import { isMountPoint } from './mounts.ts';

/** What mount(8) needs to mount a local volume. */
export interface MountSpec {
  type?: string;
  device?: string;
  /** Options for `-o`, already joined pieces (`nodev`, `uid=5`, `size=1048576`, …). */
  options: string[];
  target: string;
}

/** The mount(8) argument list: `[-t TYPE] [-o O] -- DEVICE TARGET`; `type=bind` becomes `-o bind`. */
export function mountArgs(spec: MountSpec): string[] {
  const type = spec.type?.toLowerCase();
  const options = type === 'bind' && !spec.options.includes('bind') ? ['bind', ...spec.options] : spec.options;
  const args: string[] = [];
  if (spec.type && type !== 'bind') args.push('-t', spec.type);
  if (options.length > 0) args.push('-o', options.join(','));
  // `--`: whatever the device is, mount(8) never reads it as an option.
  args.push('--', spec.device || (type === 'tmpfs' ? 'tmpfs' : 'none'), spec.target);
  return args;
}

/** Runs mount(8), then checks the kernel's mount table; rejects with mount's own message, naming the volume. */
export async function mountVolumeFs(spec: MountSpec, volume: string): Promise<void> {
  if (spec.device?.startsWith('-')) throw new VolError('INVALID_ARG', `mounting volume ${volume}: device ${JSON.stringify(spec.device)} must not begin with "-"`, { volume });
  await run('mount', mountArgs(spec), volume, 'mounting');
  // mount(8) can exit 0 without mounting anything; the mount table is the truth.
  if (!isMountPoint(spec.target)) {
    throw new VolError('IO_FAILED', `mounting volume ${volume}: mount ${mountArgs(spec).join(' ')} exited 0 but nothing is mounted at ${spec.target}`, { volume });
  }
}

/** Runs umount(8) on `target`. */
export function unmountVolumeFs(target: string, volume: string): Promise<void> {
  return run('umount', [target], volume, 'unmounting');
}

function run(tool: string, args: string[], volume: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LC_ALL: 'C' } }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = (stderr.trim() || err.message).split('\n')[0];
      reject(new VolError('IO_FAILED', `${what} volume ${volume}: ${tool} ${args.join(' ')}: ${why}`, { volume, cause: err }));
    });
  });
}
