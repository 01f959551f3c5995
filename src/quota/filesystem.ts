import { statfsSync } from 'node:fs';

// statfs f_type magic numbers (linux/magic.h) of the file systems vol is likely to meet.
const FS_NAMES = new Map<number, string>([
  [0x9123683e, 'btrfs'],
  [0x58465342, 'xfs'],
  [0x01021994, 'tmpfs'],
  [0xef53, 'ext4'],
  [0x794c7630, 'overlay'],
  [0x2fc12fc1, 'zfs'],
  [0x6969, 'nfs'],
  [0x65735546, 'fuse'],
  [0x4d44, 'vfat'],
  [0x5346544e, 'ntfs'],
  [0xf2f52010, 'f2fs'],
]);

/** The name of the file system `path` lives on (`ext4`, `btrfs`, …, or `0x<magic>`). */
export function filesystemName(path: string): string {
  const type = statfsSync(path).type;
  return FS_NAMES.get(type) ?? `0x${type.toString(16)}`;
}
