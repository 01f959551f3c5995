import { lstatSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Engine } from '../../core/engine.ts';
import { VolError } from '../../core/errors.ts';
import type { Logger } from '../../core/model.ts';
import { handleRequest, type RequestLimits } from './handler.ts';
import { listenAtPath, listenOnFd, removeIfSocket, type Listener } from './socket.ts';

/** How `vol plugin serve` runs. */
export interface ServeOptions extends RequestLimits {
  /** The plugin's name, as Docker and Podman call the driver. */
  name: string;
  listener: Listener;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT: stop accepting, finish what is in flight, return. */
  signal: AbortSignal;
  /** Called once the socket accepts connections. */
  onListening?: () => void;
}

/**
 * Serves the Docker volume-plugin protocol over a unix socket until `signal` aborts, then stops
 * accepting, lets the requests in flight (and the engine work they started) finish, and returns.
 */
export async function servePlugin(engine: Engine, opts: ServeOptions): Promise<void> {
  const requests = tracked();
  const work = tracked();
  const server = createServer({ requestTimeout: opts.timeoutMs + 5000, headersTimeout: opts.timeoutMs + 5000, keepAliveTimeout: 5000 }, (req, res) => {
    requests.add(handleRequest(engine, opts.log, opts, work, req, res));
  });
  server.maxConnections = 512;
  // Podman closes a connection as soon as it has the status line; a reset socket is not an error here.
  server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
  server.on('connection', (socket: Socket) => socket.on('error', () => undefined));
  const owned = await listen(server, opts);
  opts.log.info(`plugin ${opts.name} listening on ${'fd' in opts.listener ? `descriptor ${opts.listener.fd}` : opts.listener.path}`);
  opts.onListening?.();
  // A signal may have come while the socket was being set up.
  await new Promise<void>((resolve) => (opts.signal.aborted ? resolve() : opts.signal.addEventListener('abort', () => resolve(), { once: true })));
  opts.log.info(`plugin ${opts.name} stopping: finishing ${requests.size()} request(s) in flight`);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Requests and the engine work they started, including work that outlived a timed-out answer.
  await requests.settled();
  await work.settled();
  // Answers are written by now; keep-alive connections would hold close() open.
  server.closeAllConnections();
  await closed;
  if (owned) removeOwnSocket(owned.path, owned.ino);
  opts.log.info(`plugin ${opts.name} stopped`);
}

/** A set of promises that forgets each one once it settles. */
function tracked(): { add(p: Promise<unknown>): void; size(): number; settled(): Promise<void> } {
  const set = new Set<Promise<unknown>>();
  return {
    add: (p) => {
      set.add(p);
      const forget = () => void set.delete(p);
      p.then(forget, forget);
    },
    size: () => set.size,
    settled: async () => {
      while (set.size > 0) await Promise.allSettled([...set]);
    },
  };
}

/** Listens; returns the socket file this server made (and must remove), if it made one. */
async function listen(server: Server, opts: ServeOptions): Promise<{ path: string; ino: number } | undefined> {
  if ('fd' in opts.listener) {
    await listenOnFd(server, opts.listener.fd);
    return undefined;
  }
  const path = opts.listener.path;
  const release = await startupLock(path);
  try {
    await listenAtPath(server, path);
    return { path, ino: lstatSync(path).ino };
  } finally {
    await release().catch(() => undefined);
  }
}

/** Serialises servers starting on one path, so two never both replace a stale socket. */
async function startupLock(path: string): Promise<() => Promise<void>> {
  const lockfile = (await import('proper-lockfile')).default;
  try {
    return await lockfile.lock(path, { realpath: false, lockfilePath: `${path}.lock`, stale: 10_000, retries: { retries: 40, minTimeout: 25, maxTimeout: 250 } });
  } catch (err) {
    throw new VolError('STATE_CONFLICT', `another server is starting on ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function removeOwnSocket(path: string, ino: number): void {
  // Another server may have replaced the socket meanwhile; only ours is removed.
  try {
    if (lstatSync(path).ino === ino) removeIfSocket(path);
  } catch {
    // Already gone.
  }
}
