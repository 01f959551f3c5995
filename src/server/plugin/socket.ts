import { chmodSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { VolError, errnoCode } from '../../core/errors.ts';

/** Where the server listens: a socket path it creates, or a descriptor a service manager handed over. */
export type Listener = { path: string } | { fd: number; path?: string };

/** The first descriptor systemd passes (`SD_LISTEN_FDS_START`). */
const LISTEN_FDS_START = 3;

/**
 * The socket systemd passed by socket activation (`LISTEN_FDS`, `LISTEN_PID`), if any; the
 * variables are removed so that children do not take the socket for their own.
 */
export function activatedListener(env: NodeJS.ProcessEnv, pid: number): { fd: number } | undefined {
  const fds = Number(env.LISTEN_FDS);
  if (!Number.isInteger(fds) || fds < 1) return undefined;
  if (env.LISTEN_PID !== undefined && Number(env.LISTEN_PID) !== pid) return undefined;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  return { fd: LISTEN_FDS_START };
}

/** Resolves true when something accepts connections on the socket at `path`. */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect({ path });
    const done = (live: boolean) => {
      probe.destroy();
      resolve(live);
    };
    probe.setTimeout(2000, () => done(true));
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/**
 * Listens on a new socket at `path`, mode 0660: refuses when another server answers there or the
 * path is not a socket; replaces a stale socket. The socket is bound under a temporary name and
 * renamed into place, so it never exists with looser permissions and a caller never finds no socket.
 * The caller holds the start-up lock of `path`.
 */
export async function listenAtPath(server: Server, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const existing = lstatOrUndefined(path);
  if (existing && !existing.isSocket()) {
    throw new VolError('INVALID_ARG', `${path} exists and is not a socket: vol plugin serve does not replace it`);
  }
  if (existing && (await socketAnswers(path))) {
    throw new VolError('STATE_CONFLICT', `another server is already listening on ${path}`, { hint: 'stop it first, or pick another --socket' });
  }
  const temp = `${path}.${process.pid}.tmp`;
  removeIfSocket(temp);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new VolError('IO_FAILED', `listening on ${path}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen({ path: temp }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  try {
    chmodSync(temp, 0o660);
    renameSync(temp, path);
  } catch (err) {
    removeIfSocket(temp);
    server.close();
    throw new VolError('IO_FAILED', `placing the socket at ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Listens on an inherited descriptor (socket activation). */
export function listenOnFd(server: Server, fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new VolError('IO_FAILED', `listening on the socket passed as descriptor ${fd}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen({ fd }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Removes the socket at `path` if it is still a socket (on shutdown). */
export function removeIfSocket(path: string): void {
  if (!lstatOrUndefined(path)?.isSocket()) return;
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new VolError('IO_FAILED', `checking ${path}: ${(err as Error).message}`, { cause: err });
  }
}
