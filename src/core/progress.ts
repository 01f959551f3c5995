/** How far a bulk engine call has got: items done of a total, and bytes for archives. */
export interface ProgressReport {
  done: number;
  total?: number;
  bytes?: number;
  totalBytes?: number;
}

/** Called by bulk engine calls as they go; the engine never prints, the CLI draws. */
export type OnProgress = (p: ProgressReport) => void;
