import { VolError } from '../core/errors.ts';
import { filesystemName } from './filesystem.ts';

/** The limits a volume asks for. */
export interface QuotaRequest {
  size?: number;
  inodes?: number;
  /** The volume's `type=` option: a tmpfs takes its limits as mount options instead. */
  type?: string;
}

/** Names of the quota backends vol knows; none is available yet. */
export const KNOWN_BACKENDS: readonly string[] = [];

/**
 * Throws QUOTA_UNSUPPORTED when a limit is asked for that no backend can enforce on the file
 * system of `volumesDir`. Until quota backends exist that is every limit: vol refuses rather
 * than making a volume that silently has no limit.
 */
export function assertQuotaSupported(volumesDir: string, req: QuotaRequest, volume: string): void {
  if (req.size === undefined && req.inodes === undefined) return;
  // tmpfs enforces size= and nr_inodes= itself when the volume is mounted.
  if (req.type?.toLowerCase() === 'tmpfs') return;
  const what = req.size !== undefined ? 'size' : 'inodes';
  const fs = filesystemName(volumesDir);
  throw new VolError('QUOTA_UNSUPPORTED', `volume ${volume}: ${what} limits are not supported on ${fs} (${volumesDir}): vol has no quota backend for it yet`, {
    volume,
    hint: 'quota backends (btrfs, XFS project quota, tmpfs) are not implemented yet; create the volume without size/inodes',
  });
}
