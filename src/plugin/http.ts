import { request } from 'node:http';

/** The raw outcome of one POST to a plugin. */
export interface PluginHttpAnswer {
  status: number;
  body: string;
}

/** The most a plugin's answer may hold; a larger (or endless) one is cut off as a failure. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** The longest wait setTimeout can keep (2^31-1 ms); a longer one would fire at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Why a call got no answer (the socket refused, the connection dropped, time ran out, the answer was too large), as its message. */
export class PluginTransportError extends Error {}

/**
 * POSTs `body` to `endpoint` over the unix socket, as podman does (Host `plugin`, the plugin
 * content type). `timeoutMs` bounds the whole exchange (never unbounded: at least 1 ms), and
 * `maxBytes` the answer's body.
 */
export function postToPlugin(socketPath: string, endpoint: string, body: string, timeoutMs: number, maxBytes = MAX_ANSWER_BYTES): Promise<PluginHttpAnswer> {
  const waitMs = Math.min(Math.max(Math.ceil(timeoutMs) || 1, 1), MAX_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method: 'POST',
      path: `/${endpoint}`,
      headers: { Host: 'plugin', 'Content-Type': 'application/vnd.docker.plugins.v1.1+json', 'Content-Length': Buffer.byteLength(body) },
      agent: false,
    });
    // The first outcome wins: the error a destroyed socket raises afterwards changes nothing.
    const abort = (err: PluginTransportError) => {
      fail(err);
      req.destroy();
    };
    const timer = setTimeout(() => abort(new PluginTransportError(`timed out after ${waitMs / 1000}s`)), waitMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (err instanceof PluginTransportError) return reject(err);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT') return reject(new PluginTransportError('refused the connection'));
      reject(new PluginTransportError(`dropped the connection (${code ?? err.message})`));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const oversized = () => abort(new PluginTransportError(`sent an answer larger than ${maxBytes / 1024 / 1024} MiB`));
      // A declared length over the cap is refused before a byte of it is read.
      if (Number(res.headers['content-length']) > maxBytes) return oversized();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return oversized();
        chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(body);
  });
}
