import { request } from 'node:http';

/** The raw outcome of one POST to a plugin. */
export interface PluginHttpAnswer {
  status: number;
  body: string;
}

/** Why a call got no answer: the socket refused, the connection dropped, or time ran out. */
export class PluginTransportError extends Error {
  constructor(
    message: string,
    readonly reason: 'timeout' | 'refused' | 'dropped',
  ) {
    super(message);
  }
}

/**
 * POSTs `body` to `endpoint` over the unix socket, as podman does (Host `plugin`, the plugin
 * content type). `timeoutMs` bounds the whole exchange; 0 waits forever.
 */
export function postToPlugin(socketPath: string, endpoint: string, body: string, timeoutMs: number): Promise<PluginHttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method: 'POST',
      path: `/${endpoint}`,
      headers: { Host: 'plugin', 'Content-Type': 'application/vnd.docker.plugins.v1.1+json', 'Content-Length': Buffer.byteLength(body) },
      agent: false,
    });
    const timer =
      timeoutMs > 0
        ? setTimeout(() => req.destroy(new PluginTransportError(`timed out after ${timeoutMs / 1000}s`, 'timeout')), timeoutMs)
        : undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (err instanceof PluginTransportError) return reject(err);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT') return reject(new PluginTransportError('refused the connection', 'refused'));
      reject(new PluginTransportError(`dropped the connection (${code ?? err.message})`, 'dropped'));
    };
    req.on('error', fail);
    req.on('response', (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: data });
      });
    });
    req.end(body);
  });
}
