import { pipeline, Transform, Writable, type Readable } from 'node:stream';

/** `source` as a stream that reports the bytes read so far to `onBytes`; an error or early end of either side destroys both. */
export function countingReadable(source: Readable, onBytes: (total: number) => void): Readable {
  let total = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      total += chunk.length;
      onBytes(total);
      cb(null, chunk);
    },
  });
  // pipeline, not pipe: a reader that stops early (a refused entry) must also release stdin.
  return pipeline(source, counter, () => {});
}

/** A stream that writes to `dest` (ending it when ended) and reports the bytes written so far to `onBytes`. */
export function countingWritable(dest: Writable, onBytes: (total: number) => void): Writable {
  let total = 0;
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      total += chunk.length;
      onBytes(total);
      dest.write(chunk, (err) => cb(err ?? null));
    },
    final(cb) {
      let called = false;
      const once = (err?: Error | null) => void (called || ((called = true), cb(err ?? null)));
      dest.once('error', once);
      dest.end(() => once());
    },
    destroy(err, cb) {
      if (err) dest.destroy(err);
      cb(err);
    },
  });
}
