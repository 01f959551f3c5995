import { Writable } from 'node:stream';
import { crashed, EXIT_BROKEN_PIPE } from './diagnostics.ts';
import { main } from './main.ts';

const argv = process.argv.slice(2);
const stdout = processStdout();
// A reader of stderr that went away leaves nothing to tell.
process.stderr.on('error', () => {});
// A bug that escapes every handler still ends as one line and 125, never a stack trace.
process.on('uncaughtException', (err) => process.exit(uncaught(err)));
process.on('unhandledRejection', (err) => process.exit(uncaught(err)));

// The bundled entry of bin/vol: run, write, exit with the contract's code.
main(argv, {
  stdout: stdout.write,
  stderr: writeStderr,
  readLine,
  stdinBytes: () => process.stdin,
  stdoutBytes: stdout.bytes,
  interrupts,
  stdoutFailure: stdout.failure,
  // Asked only by bulk commands: touching process.stderr early would cost every command start-up time.
  stderrIsTTY: () => process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = crashed(err, writeStderr, argv);
  },
);

function uncaught(err: unknown): number {
  // The reader of stdout went away: whatever failed because of it, the answer is a quiet 141.
  if ((stdout.failure() as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') return EXIT_BROKEN_PIPE;
  return crashed(err, writeStderr, argv);
}

function writeStderr(text: string): void {
  process.stderr.write(text);
}

/** process.stdout with its first write error kept (EPIPE, ENOSPC), for main to report once. */
function processStdout(): { write(text: string): Promise<void>; bytes(): Writable; failure(): Error | undefined } {
  let failure: Error | undefined;
  const keep = (err: Error | null | undefined) => {
    if (err) failure ??= err;
  };
  process.stdout.on('error', keep);
  return {
    write: (text) =>
      new Promise((resolve) => {
        if (text === '' || failure) return resolve();
        process.stdout.write(text, (err) => resolve(keep(err)));
      }),
    // For bytes (export, events): ending this stream leaves process.stdout open for what follows.
    bytes: () =>
      new Writable({
        write: (chunk: Buffer, _enc, cb) =>
          void process.stdout.write(chunk, (err) => {
            keep(err);
            cb(err);
          }),
        // Its writers learn of a failure through their callbacks, and main through failure().
      }).on('error', () => {}),
    failure: () => failure,
  };
}

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

/** Aborts on SIGINT or SIGTERM; only commands that ask for it handle those signals themselves. */
function interrupts(): AbortSignal {
  const ac = new AbortController();
  const abort = () => ac.abort();
  process.once('SIGINT', abort).once('SIGTERM', abort);
  return ac.signal;
}
