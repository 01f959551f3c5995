/** A reproducible source of random choices for crash tests: seeded from `VOL_TEST_SEED`, else the clock. */
export interface SeededRandom {
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, max]. */
  upTo(max: number): number;
  /** True half of the time. */
  coin(): boolean;
  /** Runs `fn`; a failure is rethrown with the seed that reproduces it. */
  reporting(fn: () => Promise<unknown>): Promise<void>;
}

/** Makes a seeded random source (mulberry32); the seed is printed on failure so a run can be repeated. */
export function seededRandom(seedText = process.env.VOL_TEST_SEED): SeededRandom {
  const seed = seedText !== undefined && seedText !== '' ? Number(seedText) >>> 0 : Date.now() % 2 ** 31;
  let state = seed;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    seed,
    next,
    upTo: (max) => Math.floor(next() * (max + 1)),
    coin: () => next() < 0.5,
    reporting: async (fn) => {
      try {
        await fn();
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // Lanes interleave by timing, so the seed fixes the choices but not their order across lanes.
        throw Object.assign(err instanceof Error ? err : new Error(why), { message: `${why}\n(random seed ${seed}: rerun with VOL_TEST_SEED=${seed})` });
      }
    },
  };
}
