import { ftruncateSync, writeSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import type { TarCodec } from './archive-pack.ts';

const BLOCK = 512;

/** A GNU sparse file as its PAX header describes it (formats 0.0, 0.1 and 1.0). */
export interface SparseInfo {
  /** The real name (0.1, 1.0: the entry's own name is `GNUSparseFile.N/NAME`). */
  name?: string;
  realSize: number;
  /** Data pieces as [offset, length]; for 1.0 they come at the start of the entry's data. */
  map?: [number, number][];
}

/** The sparse description in raw PAX header text, or undefined when it has none. */
export function sparseFromPax(text: string): SparseInfo | undefined {
  const kv: [string, string][] = [];
  for (let off = 0; off < text.length; ) {
    const sp = text.indexOf(' ', off);
    const len = Number(text.slice(off, sp));
    if (sp < 0 || !Number.isInteger(len) || len <= 0) break;
    const rec = text.slice(sp + 1, off + len - 1);
    const eq = rec.indexOf('=');
    kv.push([rec.slice(0, eq), rec.slice(eq + 1)]);
    off += len;
  }
  if (!kv.some(([k]) => k.startsWith('GNU.sparse.'))) return undefined;
  const get = (k: string) => kv.find(([key]) => key === k)?.[1];
  const info: SparseInfo = { name: get('GNU.sparse.name'), realSize: Number(get('GNU.sparse.realsize') ?? get('GNU.sparse.size') ?? NaN) };
  if (get('GNU.sparse.major') === '1') return info;
  const map = get('GNU.sparse.map');
  const nums = map !== undefined ? map.split(',').map(Number) : kv.filter(([k]) => k === 'GNU.sparse.offset' || k === 'GNU.sparse.numbytes').map(([, v]) => Number(v));
  info.map = [];
  for (let i = 0; i + 1 < nums.length; i += 2) info.map.push([nums[i]!, nums[i + 1]!]);
  return info;
}

/** Writes a sparse entry's data at its offsets, leaving holes, then sets the real size. */
export class SparseSink {
  private map?: [number, number][];
  private mapText = '';
  private mapLines = 0;
  private mapBytes = 0;
  private piece = 0;
  private inPiece = 0;

  constructor(private readonly fd: number, private readonly info: SparseInfo) {
    this.map = info.map;
    if (!Number.isSafeInteger(info.realSize) || info.realSize < 0) throw new Error('its sparse header has no valid real size');
  }

  /** Takes the next bytes of the entry's data. */
  write(chunk: Buffer): void {
    let at = this.map ? 0 : this.readMap(chunk);
    while (at < chunk.length) {
      const piece = this.map![this.piece];
      if (!piece) throw new Error('it holds more data than its sparse map describes');
      const n = Math.min(piece[1] - this.inPiece, chunk.length - at);
      for (let off = 0; off < n; ) off += writeSync(this.fd, chunk, at + off, n - off, piece[0] + this.inPiece + off);
      at += n;
      this.inPiece += n;
      if (this.inPiece === piece[1]) {
        this.piece++;
        this.inPiece = 0;
      }
    }
  }

  /** Checks that every piece arrived and gives the file its real size (the tail may be a hole). */
  finish(): void {
    while (this.map && this.map[this.piece]?.[1] === 0) this.piece++;
    if (!this.map || this.piece < this.map.length) throw new Error('the archive is cut short inside its sparse data');
    ftruncateSync(this.fd, this.info.realSize);
  }

  /** PAX 1.0: the map (count, then offset and length, one number a line) fills whole blocks before the data. */
  private readMap(chunk: Buffer): number {
    for (let i = 0; i < chunk.length; i++) {
      this.mapBytes++;
      if (!this.map) {
        const c = chunk[i]!;
        this.mapText += String.fromCharCode(c);
        if (this.mapText.length > 1 << 20) throw new Error('its sparse map is too long');
        if (c === 0x0a) this.mapLines++;
        const nums = this.mapLines > 0 ? this.mapText.slice(0, this.mapText.indexOf('\n')) : '';
        if (c === 0x0a && this.mapLines === 2 * Number(nums) + 1) this.map = parseMap(this.mapText);
      }
      if (this.map && this.mapBytes % BLOCK === 0) return i + 1;
    }
    return chunk.length;
  }
}

function parseMap(text: string): [number, number][] {
  const nums = text.split('\n').slice(1, -1).map(Number);
  if (nums.some((v) => !Number.isSafeInteger(v) || v < 0)) throw new Error('its sparse map is not valid');
  const map: [number, number][] = [];
  for (let j = 0; j + 1 < nums.length; j += 2) map.push([nums[j]!, nums[j + 1]!]);
  return map;
}

/**
 * Rewrites old GNU sparse entries (type `S`, which node-tar skips) as a PAX 0.1 sparse header
 * followed by a plain file entry with the same data, so one code path restores every format.
 */
export function gnuSparseToPax(codec: TarCodec): Transform {
  let buf: Buffer = Buffer.alloc(0);
  let pass = 0;
  let pending: { header: Buffer; map: [number, number][]; realSize: number } | undefined;
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const out: Buffer[] = [];
      try {
        const flush = (p: NonNullable<typeof pending>) => {
          out.push(...finishPending(codec, p));
          pending = undefined;
          pass = roundUp(octal(p.header, 124, 12));
        };
        while (buf.length > 0) {
          if (pass > 0) {
            const n = Math.min(pass, buf.length);
            out.push(buf.subarray(0, n));
            buf = buf.subarray(n);
            pass -= n;
            continue;
          }
          if (buf.length < BLOCK) break;
          const block = buf.subarray(0, BLOCK);
          buf = buf.subarray(BLOCK);
          if (pending) {
            // An extension block: 21 more pieces, and whether another block follows.
            readPieces(block, 0, 21, pending.map);
            if (block[504] === 0) flush(pending);
            continue;
          }
          const zero = block.every((b) => b === 0);
          if (zero || block[156] !== 0x53 /* 'S' */) {
            out.push(block);
            pass = zero || !hasData(block[156]!) ? 0 : roundUp(octal(block, 124, 12));
            continue;
          }
          pending = { header: Buffer.from(block), map: [], realSize: octal(block, 483, 12) };
          readPieces(block, 386, 4, pending.map);
          if (block[482] === 0) flush(pending);
        }
      } catch (err) {
        return cb(err as Error);
      }
      cb(null, out.length === 1 ? out[0] : Buffer.concat(out));
    },
  });
}

function finishPending(codec: TarCodec, p: { header: Buffer; map: [number, number][]; realSize: number }): Buffer[] {
  const body = paxRecords([
    ['GNU.sparse.size', String(p.realSize)],
    ['GNU.sparse.numblocks', String(p.map.length)],
    ['GNU.sparse.map', p.map.flat().join(',')],
  ]);
  const x = Buffer.alloc(BLOCK);
  new codec.Header({ path: 'PaxHeaders/sparse', type: 'ExtendedHeader', size: body.length, mode: 0o644, mtime: new Date(0) }).encode(x, 0);
  const header = p.header;
  // The same entry as a plain file: type '0', the sparse fields cleared, the checksum made again.
  header[156] = 0x30;
  header.fill(0, 386, 495);
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return [x, body, Buffer.alloc(roundUp(body.length) - body.length), header];
}

function paxRecords(kv: [string, string][]): Buffer {
  let text = '';
  for (const [k, v] of kv) {
    const rest = ` ${k}=${v}\n`.length;
    let len = rest + 1;
    while (String(len).length + rest !== len) len = String(len).length + rest;
    text += `${len} ${k}=${v}\n`;
  }
  return Buffer.from(text, 'utf8');
}

function readPieces(block: Buffer, start: number, count: number, map: [number, number][]): void {
  for (let i = 0; i < count; i++) {
    const off = start + i * 24;
    if (block[off] === 0) return;
    map.push([octal(block, off, 12), octal(block, off + 12, 12)]);
  }
}

/** A numeric header field: octal text, or base-256 when its first byte has the high bit set. */
function octal(block: Buffer, off: number, len: number): number {
  if (block[off]! & 0x80) {
    let n = block[off]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + block[off + i]!;
    return n;
  }
  const text = block.toString('latin1', off, off + len).replace(/[\0 ].*$/s, '').trim();
  const n = text === '' ? 0 : parseInt(text, 8);
  if (!Number.isSafeInteger(n)) throw new Error('invalid tar header: a numeric field is not octal');
  return n;
}

/** Entry types whose size counts data blocks after the header (links and directories have none). */
function hasData(type: number): boolean {
  return !(type === 0x31 || type === 0x32 || type === 0x33 || type === 0x34 || type === 0x35 || type === 0x36);
}

function roundUp(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}
