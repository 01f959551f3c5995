import { main } from './main.ts';

// The bundled entry of bin/vol: run, write, exit with the contract's code.
main(process.argv.slice(2), {
  stdout: (s) => void (s && process.stdout.write(s)),
  stderr: (s) => void process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 125;
  },
);
