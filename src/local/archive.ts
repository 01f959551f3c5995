import { createRequire } from 'node:module';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadEntry } from 'tar';
import { VolError, isVolError } from '../core/errors.ts';
import { fstatSync, readdirSync, unlinkSync } from 'node:fs';
import { Extraction, STAGED_PREFIX, type ImportOwner } from './archive-extract.ts';
import { packTree } from './archive-pack.ts';
import { gnuSparseToPax, sparseFromPax, type SparseInfo } from './archive-sparse.ts';
import { at, closeQuietly, mountIdOf, openVolume, type VolumeLayout } from './volume-fs.ts';

// Stages between the input and the parser buffer this much, so reading runs ahead of writing.
const STREAM_HWM = 1 << 20;

/**
 * node-tar, loaded on first use (through require: the bundled CLI runs as CommonJS, and tar ships
 * a CommonJS build), so commands other than export/import never pay for it at start-up.
 */
function loadTar(): typeof import('tar') {
  return createRequire(import.meta.url)('tar') as typeof import('tar');
}

/**
 * Writes an uncompressed tar of the contents of the volume's `_data` to `out`, read through
 * descriptors only (packTree); `out` is opened once `_data` is; returns the sockets, FIFOs and devices it left out.
 */
export async function exportTree(layout: VolumeLayout, out: () => Writable): Promise<string[]> {
  const { Header, Pax } = loadTar();
  const skipped: string[] = [];
  const dataFd = openData(layout);
  try {
    await pipeline(Readable.from(packTree({ Header, Pax }, dataFd, skipped), { objectMode: false }), out());
  } catch (err) {
    throw new VolError('IO_FAILED', `exporting ${layout.dataDir}: ${(err as Error).message.replace(/\/proc\/self\/fd\/\d+\/?/g, '')}`, { cause: err });
  } finally {
    closeQuietly(dataFd);
  }
  return skipped;
}

/**
 * Extracts the tar stream `input` into the volume's existing `_data` as if it were `/`: entries
 * overwrite, other files stay, and nothing is written outside `_data`. Stops at the first entry
 * that leads out (entries before it stay extracted); returns the entries it cannot make (FIFOs,
 * devices). With `owner`, every entry gets that owner and loses its set-id bits.
 */
export async function importTree(layout: VolumeLayout, input: Readable, owner?: ImportOwner, quota = false): Promise<string[]> {
  const { Header, Parser, Pax } = loadTar();
  const opened = openVolume(layout, true);
  if (!opened) throw new VolError('IO_FAILED', `volume ${layout.name}: ${layout.volDir} does not exist`);
  const { volFd, dataFd } = opened as { volFd: number; dataFd: number };
  // Files written beside `_data` would escape a quota's accounting, so limited volumes stage in place.
  const stageFd = !quota && sameFileSystem(volFd, dataFd) ? volFd : undefined;
  if (stageFd !== undefined) dropStaged(stageFd);
  const extraction = new Extraction(dataFd, owner, stageFd);
  const parser = new Parser({ strict: true });
  let failure: unknown;
  const fail = (err: unknown) => {
    if (failure !== undefined) return;
    failure = err;
    parser.abort(err instanceof Error ? err : new Error(String(err)));
  };
  // A PAX header with GNU sparse keys describes the next entry: its data is pieces of a file with holes.
  let sparse: SparseInfo | undefined;
  parser.on('meta', (text: string) => {
    if (text.includes('GNU.sparse.')) sparse = sparseFromPax(text);
  });
  // Old GNU sparse entries are rewritten before node-tar sees them; one it still skips stops the import.
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    if (entry.type === 'SparseFile' && failure === undefined) extraction.add(entry, fail);
  });
  parser.on('entry', (entry: ReadEntry) => {
    const info = sparse;
    sparse = undefined;
    if (failure !== undefined) return void entry.resume();
    extraction.add(entry, fail, info);
  });
  const zeros = zeroWatch();
  try {
    await pipeline(input, zeros.tap, gnuSparseToPax({ Header, Pax }), parser);
  } catch (err) {
    // node-tar calls a tar of nothing but end blocks unrecognised; GNU tar takes it as empty.
    const empty = extraction.count === 0 && zeros.emptyTar() && (err as { tarCode?: string }).tarCode === 'TAR_BAD_ARCHIVE';
    if (!empty) failure ??= err;
  }
  try {
    extraction.abandon();
    if (failure === undefined) extraction.finish();
    else throw importError(failure, extraction.count);
  } finally {
    closeQuietly(dataFd);
    closeQuietly(volFd);
  }
  return extraction.skipped;
}

/** Watches the input for a tar made of end blocks only (zeros, whole 512-byte blocks). */
function zeroWatch(): { tap: Transform; emptyTar(): boolean } {
  let bytes = 0;
  let nonZero = false;
  const tap = new Transform({
    highWaterMark: STREAM_HWM,
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
  if (isVolError(err)) return new VolError(err.code, err.message, { hint, cause: err.cause ?? err });
  const tarCode = (err as { tarCode?: string }).tarCode;
  const why = (err as Error).message.replace(/^[A-Z_]+: /, '');
  if (tarCode) return new VolError('INVALID_ARG', `invalid tar archive: ${why}`, { hint, cause: err });
  return new VolError('IO_FAILED', `reading the archive: ${why}`, { hint, cause: err });
}

function sameFileSystem(a: number, b: number): boolean {
  return mountIdOf(a) === mountIdOf(b) && fstatSync(a).dev === fstatSync(b).dev;
}

/** Removes files a killed import left staged in the volume directory (the caller holds the volume lock). */
function dropStaged(volFd: number): void {
  for (const name of readdirSync(at(volFd))) {
    if (!name.startsWith(STAGED_PREFIX)) continue;
    try {
      unlinkSync(at(volFd, name));
    } catch {
      // Gone, or not a file: left for vol check to report.
    }
  }
}

function openData(layout: VolumeLayout): number {
  // A volume dir or `_data` replaced by a symlink would carry the import (or export) out of the volume.
  const opened = openVolume(layout, true);
  if (!opened) throw new VolError('IO_FAILED', `volume ${layout.name}: ${layout.volDir} does not exist`);
  closeQuietly(opened.volFd);
  return opened.dataFd!;
}
