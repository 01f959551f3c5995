import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** A system python3 (not a per-user shim), so an unprivileged uid can run it too. */
export const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));

/** Why the race tests cannot run here, or undefined. */
export function racerMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!PYTHON) return 'needs /usr/bin/python3 (apt-get install python3)';
  if (!existsSync('/usr/bin/setpriv')) return 'needs setpriv (util-linux)';
  return undefined;
}

// Swaps two names with renameat2(RENAME_EXCHANGE) until SIGTERM, then prints how many swaps worked.
const RACER = `import ctypes, os, signal, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
n = 0
def done(*_):
    sys.stdout.write("%d\\n" % n); sys.stdout.flush(); os._exit(0)
signal.signal(signal.SIGTERM, done)
said = False
while True:
    if libc.renameat2(-100, a, -100, b, 2) == 0:
        n += 1
        if not said:
            sys.stdout.write("go\\n"); sys.stdout.flush(); said = True
`;

/** Writes the racer script into `dir` (readable by any uid) and returns its path. */
export function writeRacer(dir: string): string {
  const path = join(dir, 'racer.py');
  writeFileSync(path, RACER, { mode: 0o755 });
  return path;
}

/** A running racer swapping `a` and `b`. */
export interface Racer {
  /** Stops it; resolves with the number of swaps it made. */
  stop(): Promise<number>;
}

/** Starts the racer (as `uid` when given) and resolves once it has swapped once. */
export function startRacer(script: string, a: string, b: string, uid?: number): Promise<Racer> {
  const cmd = uid === undefined ? [PYTHON!, script, a, b] : ['/usr/bin/setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', PYTHON!, script, a, b];
  const child: ChildProcess = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: '/usr/bin:/bin' } });
  let out = '';
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error('the racer never swapped')), 5000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.startsWith('go\n')) {
        clearTimeout(timer);
        resolvePromise({
          async stop() {
            child.kill('SIGTERM');
            await exited;
            return Number(out.split('\n')[1] ?? 0);
          },
        });
      }
    });
    child.on('error', reject);
  });
}

/** Every path below `dir` with its content, to compare a canary before and after. */
export function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.push(`${relative(dir, p)}/`);
        walk(p);
      } else out.push(`${relative(dir, p)}: ${readFileSync(p, 'utf8')}`);
    }
  };
  walk(dir);
  return out.sort();
}

/** Throws unless `path` lies strictly inside `base` (every destructive step checks this first). */
export function assertInside(base: string, path: string): void {
  const b = resolve(base) + sep;
  assert.ok(resolve(path).startsWith(b) && resolve(path).length > b.length, `${path} is not inside ${base}`);
}
