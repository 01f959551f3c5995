import { readFileSync } from 'node:fs';

/** What scripts/build.mjs writes into the bundle: package.json's version and the git commit built. */
declare const VOL_BUILD: { version: string; commit: string } | undefined;

/** vol's version and the commit it was built from (`unknown` where git was not available). */
export function buildInfo(): { version: string; commit: string } {
  if (typeof VOL_BUILD === 'object') return VOL_BUILD;
  // Run from the sources (tests, bench): the version is read from package.json.
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return { version: pkg.version ?? 'unknown', commit: 'unknown' };
  } catch {
    return { version: 'unknown', commit: 'unknown' };
  }
}
