import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { VolError } from '../core/errors.ts';
import { volumeDir, type VolumeRecord } from '../core/model.ts';
import { tmpfsLimitOptions } from '../quota/tmpfs.ts';
import { isMountPoint, mountsAt, readMountTable, type MountInfo } from './mount-table.ts';

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
  if (spec.device?.startsWith('-')) throw new VolError('INVALID_ARG', `mounting volume ${volume}: device ${JSON.stringify(spec.device)} must not begin with "-"`);
  await run('mount', mountArgs(spec), volume, 'mounting');
  // mount(8) can exit 0 without mounting anything; the mount table is the truth.
  if (!isMountPoint(spec.target)) {
    throw new VolError('IO_FAILED', `mounting volume ${volume}: mount ${mountArgs(spec).join(' ')} exited 0 but nothing is mounted at ${spec.target}`);
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
      reject(new VolError('IO_FAILED', `${what} volume ${volume}: ${tool} ${args.join(' ')}: ${why}`, { cause: err }));
    });
  });
}

/**
 * True when a local volume is a mount (type, device, or `o` flags other than uid/gid), as
 * Podman's needsMount decides; other local volumes are plain directories.
 */
export function isMountVolume(rec: Pick<VolumeRecord, 'mount'>): boolean {
  const m = rec.mount;
  return m !== undefined && (m.type !== undefined || m.device !== undefined || m.options.some((item) => !/^(uid|gid)=/i.test(item)));
}

/** What mount(8) is given for a local volume: the type, device and `o` options create parsed, and the tmpfs limits. */
export function mountSpec(rec: VolumeRecord): MountSpec {
  const { type, device, options = [] } = rec.mount ?? {};
  // A tmpfs enforces the volume's limits itself, given as plain numbers.
  const limits = type?.toLowerCase() === 'tmpfs' ? tmpfsLimitOptions(rec) : [];
  return { type, device, options: [...options, ...limits], target: rec.mountpoint };
}

/** How many file systems are mounted on the volume's `_data` now (more than one is a stack). */
export function kernelLayers(rec: VolumeRecord, table: readonly MountInfo[] = readMountTable()): number {
  return mountsAt(dataPath(rec), table).length;
}

/** `_data` as the mount table spells it: the volume directory resolved, `_data` itself not followed. */
function dataPath(rec: VolumeRecord): string {
  try {
    return join(realpathSync(volumeDir(rec)), '_data');
  } catch {
    return rec.mountpoint;
  }
}

/** The error for a volume with more than one file system on its `_data`: the top one hides the others. */
export function stackedError(rec: VolumeRecord, layers: number): VolError {
  return new VolError('STATE_CONFLICT', `volume ${rec.name} has ${layers} file systems stacked on ${rec.mountpoint}: the top one hides the data of those below`, {
    hint: 'see vol check; unmount the extra layers by hand (umount ' + rec.mountpoint + ') once their data is saved',
  });
}
