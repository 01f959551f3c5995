import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../../core/engine.ts';
import { isVolError, type VolErrorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/model.ts';
import { decodeRequest } from './decode.ts';
import { ROUTES } from './routes.ts';

/** Limits of one request. */
export interface RequestLimits {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Time after which a request is answered with an error, in milliseconds. */
  timeoutMs: number;
}

/** Tracks the engine work of requests, including work that outlived its timed-out answer. */
export interface WorkTracker {
  add(work: Promise<unknown>): void;
}

// Status codes by error kind; the protocol's clients look only at "not 200" and the Err text.
const STATUS: Partial<Record<VolErrorCode, number>> = {
  NO_SUCH_VOLUME: 404,
  VOLUME_EXISTS: 409,
  VOLUME_IN_USE: 409,
  INVALID_ARG: 400,
  INVALID_NAME: 400,
  AMBIGUOUS_NAME: 400,
  QUOTA_UNSUPPORTED: 400,
  LOCK_TIMEOUT: 503,
};

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Answers one HTTP request of the protocol: POST, a bounded JSON body, one engine call within the time limit. */
export async function handleRequest(engine: Engine, log: Logger, limits: RequestLimits, work: WorkTracker, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const path = (req.url ?? '').split('?')[0] ?? '';
  let status = 200;
  let answer: object;
  let volume: string | undefined;
  try {
    const route = ROUTES[path];
    if (!route) throw new HttpFailure(404, `unknown endpoint ${path.slice(0, 100)}`);
    if (req.method !== 'POST') throw new HttpFailure(405, `${path} takes POST, not ${req.method}`);
    const body = await readBody(req, limits.maxBodyBytes);
    const request = decodeRequest(body);
    volume = request.Name;
    const run = route(engine, request);
    work.add(run);
    answer = (await withTimeout(run, limits.timeoutMs, path, log)).body;
  } catch (err) {
    status = err instanceof HttpFailure ? err.status : isVolError(err) ? (STATUS[err.code] ?? 500) : 500;
    answer = { Err: (err as Error).message || 'unknown error' };
  }
  // A refused body may still be on its way: the connection is not reused for another request.
  if (status === 413) res.setHeader('Connection', 'close');
  send(res, status, answer);
  const ms = Math.round((performance.now() - started) * 10) / 10;
  const fields = volume === undefined ? { status, ms } : { volume, status, ms };
  if (status === 200) log.debug(`${path} answered`, fields);
  else log.info(`${path} failed`, { ...fields, error: (answer as { Err: string }).Err });
}

/** Waits for the route at most `timeoutMs`; a late success is undone, since the caller was told it failed. */
function withTimeout<T extends { undo?: () => Promise<unknown> }>(run: Promise<T>, timeoutMs: number, path: string, log: Logger): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new HttpFailure(503, `${path} timed out after ${timeoutMs / 1000}s: vol gave up waiting and takes back whatever the request still does`));
    }, timeoutMs);
  });
  run.then(
    (result) => {
      if (!timedOut || !result.undo) return;
      result.undo().then(
        () => log.warn(`${path} finished after its timeout and was undone`),
        (err: unknown) => log.error(`${path} finished after its timeout and undoing it failed`, { error: (err as Error).message }),
      );
    },
    () => undefined,
  );
  return Promise.race([run, limit]).finally(() => clearTimeout(timer));
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.reject(new HttpFailure(413, `the request body (${declared} bytes) is larger than ${max} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpFailure(413, `the request body is larger than ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Sends status line, headers and body in one write: Podman closes the connection as soon as it has the status. */
function send(res: ServerResponse, status: number, answer: object): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(answer);
  res.writeHead(status, { 'Content-Type': 'application/vnd.docker.plugins.v1.1+json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
