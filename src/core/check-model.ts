/** Every kind of inconsistency `vol check` reports, in the order repairs run. */
export const CHECK_KINDS = [
  'db-integrity',
  'db-dangling-rows',
  'lock-orphan',
  'lock-dead-owner',
  'path-mismatch',
  'row-creating',
  'row-removing',
  'data-missing',
  'holder-stale',
  'mount-stacked',
  'mount-count',
  'orphan-dir',
  'quota-leftover',
] as const;
/** One of CHECK_KINDS. */
export type CheckKind = (typeof CHECK_KINDS)[number];

/** One inconsistency between the database, the directories, the mount table, the locks and the quota backends. */
export interface CheckFinding {
  kind: CheckKind;
  /** The volume (or volume name) concerned, when there is one. */
  volume?: string;
  /** The path concerned: the directory, lock or mount point. */
  path?: string;
  /** What is wrong. */
  detail: string;
  /** What `--repair` does about it; starts with `none:` (and says what to do by hand) when it leaves it alone. */
  repair: string;
  /** After `--repair`: whether the finding is gone, and if not, why. */
  outcome?: 'repaired' | 'remains';
  error?: string;
  /** The backend's id of a quota leftover (`btrfs:0/257`, `xfs:200004`). */
  quotaId?: string;
}

/** Options of `vol check`. */
export interface CheckOptions {
  repair: boolean;
  /**
   * Called as the check moves on, so a front end can show progress on a TTY (the shared bulk
   * progress display hooks in here); `done` of `total` items of `phase`.
   */
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** What `vol check` returns: the findings of the first look (with outcomes after a repair) and those still there. */
export interface CheckReport {
  findings: CheckFinding[];
  /** Findings a fresh look still makes after `--repair` (all of them without it). */
  remaining: CheckFinding[];
}
