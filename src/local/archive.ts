import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadEntry } from 'tar';
import { VolError, isVolError } from '../core/errors.ts';
import { Extraction, lstatIfAny } from './archive-extract.ts';

/**
 * node-tar, loaded on first use (through require: the bundled CLI runs as CommonJS, and tar ships
 * a CommonJS build), so commands other than export/import never pay for it at start-up.
 */
function loadTar(): typeof import('tar') {
  return createRequire(import.meta.url)('tar') as typeof import('tar');
}

/**
 * Writes an uncompressed tar of the contents of `dataDir` to `out` (names relative, symlinks as
 * links, modes, owners and mtimes kept); returns the sockets, FIFOs and devices it left out.
 */
export async function exportTree(dataDir: string, out: Writable): Promise<string[]> {
  const { Pack } = loadTar();
  assertRealDir(dataDir);
  const skipped: string[] = [];
  const pack = new Pack({
    cwd: dataDir,
    strict: true,
    // podman: archives FIFOs and devices too. node-tar cannot write them (nor sockets, which
    // GNU tar skips as well) and stalls on them, so they are left out here, with a warning.
    filter: (path, st) => {
      if (!('isFile' in st) || st.isFile() || st.isDirectory() || st.isSymbolicLink()) return true;
      skipped.push(path);
      return false;
    },
  });
  for (const name of await readdir(dataDir)) pack.add(name);
  pack.end();
  try {
    await pipeline(pack, out);
  } catch (err) {
    throw new VolError('IO_FAILED', `exporting ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  return skipped;
}

/**
 * Extracts the tar stream `input` into the existing `dataDir` as if it were `/`: entries
 * overwrite, other files stay, and nothing is written outside `dataDir`. Stops at the first
 * entry that leads out (entries before it stay extracted); returns the entries it cannot make
 * (FIFOs, devices).
 */
export async function importTree(dataDir: string, input: Readable): Promise<string[]> {
  const { Parser } = loadTar();
  assertRealDir(dataDir);
  const extraction = new Extraction(dataDir);
  const parser = new Parser({ strict: true });
  let failure: unknown;
  const fail = (err: unknown) => {
    if (failure !== undefined) return;
    failure = err;
    parser.abort(err instanceof Error ? err : new Error(String(err)));
  };
  parser.on('entry', (entry: ReadEntry) => {
    if (failure !== undefined) return void entry.resume();
    extraction.add(entry, fail);
  });
  const zeros = zeroWatch();
  try {
    await pipeline(input, zeros.tap, parser);
  } catch (err) {
    // node-tar calls a tar of nothing but end blocks unrecognised; GNU tar takes it as empty.
    const empty = extraction.count === 0 && zeros.emptyTar() && (err as { tarCode?: string }).tarCode === 'TAR_BAD_ARCHIVE';
    if (!empty) failure ??= err;
  }
  extraction.abandon();
  if (failure === undefined) extraction.finish();
  else throw importError(failure, extraction.count);
  return extraction.skipped;
}

/** Watches the input for a tar made of end blocks only (zeros, whole 512-byte blocks). */
function zeroWatch(): { tap: Transform; emptyTar(): boolean } {
  let bytes = 0;
  let nonZero = false;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (!nonZero && chunk.some((b) => b !== 0)) nonZero = true;
      cb(null, chunk);
    },
  });
  return { tap, emptyTar: () => !nonZero && bytes > 0 && bytes % 512 === 0 };
}

function importError(err: unknown, written: number): VolError {
  const hint = written === 0 ? 'nothing was imported' : written === 1 ? 'the entry before it was imported' : `the ${written} entries before it were imported`;
  if (isVolError(err)) return new VolError(err.code, err.message, { volume: err.volume, hint, cause: err.cause ?? err });
  const tarCode = (err as { tarCode?: string }).tarCode;
  const why = (err as Error).message.replace(/^[A-Z_]+: /, '');
  if (tarCode) return new VolError('INVALID_ARG', `invalid tar archive: ${why}`, { hint, cause: err });
  return new VolError('IO_FAILED', `reading the archive: ${why}`, { hint, cause: err });
}

function assertRealDir(dataDir: string): void {
  // A `_data` replaced by a symlink would carry the import (or export) out of the volume.
  if (!lstatIfAny(dataDir)?.isDirectory()) {
    throw new VolError('IO_FAILED', `${dataDir} is not a directory`);
  }
}
