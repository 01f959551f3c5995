import { Writable } from 'node:stream';
import { main } from './main.ts';

// The bundled entry of bin/vol: run, write, exit with the contract's code.
main(process.argv.slice(2), {
  stdout: (s) => void (s && process.stdout.write(s)),
  stderr: (s) => void process.stderr.write(s),
  readLine,
  stdinBytes: () => process.stdin,
  stdoutBytes,
  interrupts,
  // Asked only by bulk commands: touching process.stderr early would cost every command start-up time.
  stderrIsTTY: () => process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 125;
  },
);

/** Reads stdin up to the first newline (or its end); stdin is touched only when asked. */
function readLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (line: string | undefined) => {
      process.stdin.off('data', onData).off('end', onEnd).pause();
      resolve(line);
    };
    const onData = (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf === '' ? undefined : buf);
    process.stdin.setEncoding('utf8').on('data', onData).on('end', onEnd);
  });
}

/** stdout for bytes (export): a stream whose end leaves process.stdout open for what follows. */
function stdoutBytes(): Writable {
  // A write error (EPIPE: the reader went away) reaches the export through the write callback.
  process.stdout.on('error', () => {});
  return new Writable({ write: (chunk: Buffer, _enc, cb) => void process.stdout.write(chunk, cb) });
}

/** Aborts on SIGINT or SIGTERM; only commands that ask for it handle those signals themselves. */
function interrupts(): AbortSignal {
  const ac = new AbortController();
  const abort = () => ac.abort();
  process.once('SIGINT', abort).once('SIGTERM', abort);
  return ac.signal;
}
