import { CODE, CsiError } from './errors.ts';

/**
 * The keys (volume or snapshot names) with an operation running in this server: a second
 * operation on the same key is refused with ABORTED, as the spec asks, instead of queueing.
 */
export class InFlight {
  private readonly running = new Set<string>();

  /** Runs `fn` holding every key in `keys`; ABORTED when one is already held. */
  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const busy = keys.find((k) => this.running.has(k));
    if (busy !== undefined) throw new CsiError(CODE.ABORTED, `an operation on ${busy.replace(/^\w+:/, '')} is already in progress`);
    for (const k of keys) this.running.add(k);
    try {
      return await fn();
    } finally {
      for (const k of keys) this.running.delete(k);
    }
  }
}
