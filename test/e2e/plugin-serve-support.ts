// Helpers of the `vol plugin serve` tests: a server in the background, and raw protocol calls.
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnVol } from '../helpers/e2e.ts';
import type { VolRun } from '../helpers/vol.ts';

/** A running `vol plugin serve`. */
export interface Server {
  child: ChildProcess;
  done: Promise<VolRun>;
  /** stderr so far. */
  stderr(): string;
  /** SIGTERM, then the finished run; SIGKILL if it has not exited after 20 s. */
  stop(): Promise<VolRun>;
}

/** Starts `vol --root ROOT [globals] plugin serve --socket SOCKET [args]` and waits until it answers. */
export async function startServer(root: string, socket: string, args: string[] = [], env: Record<string, string> = {}, globals: string[] = []): Promise<Server> {
  const { child, done } = spawnVol(root, [...globals, 'plugin', 'serve', '--socket', socket, ...args], env);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer | string) => (stderr += d.toString()));
  const server: Server = {
    child,
    done,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) assert.fail(`vol plugin serve exited ${child.exitCode}: ${stderr}`);
    const r = await call(socket, '/Plugin.Activate').catch(() => undefined);
    if (r?.status === 200) return server;
    if (Date.now() > deadline) {
      await server.stop();
      assert.fail(`vol plugin serve did not answer on ${socket}: ${stderr}`);
    }
    await sleep(20);
  }
}

/** What one protocol call got back. */
export interface Answer {
  status: number;
  body: string;
  json: Record<string, unknown>;
}

/** POSTs `body` (an object is sent as JSON, a string as it is) to `endpoint` over the socket. */
export function call(socket: string, endpoint: string, body?: object | string, method = 'POST'): Promise<Answer> {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path: endpoint, headers: { Host: 'plugin', 'Content-Type': 'application/vnd.docker.plugins.v1.1+json', 'Content-Length': Buffer.byteLength(text) }, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(data) as Record<string, unknown>;
        } catch {
          // Left empty: the test looks at body.
        }
        resolve({ status: res.statusCode ?? 0, body: data, json });
      });
    });
    req.end(text);
  });
}

/** Calls `endpoint` and asserts a 200 with an empty Err; returns the decoded answer. */
export async function ok(socket: string, endpoint: string, body?: object): Promise<Record<string, unknown>> {
  const r = await call(socket, endpoint, body);
  assert.equal(r.status, 200, `${endpoint}: ${r.body}`);
  if ('Err' in r.json) assert.equal(r.json.Err, '', endpoint);
  return r.json;
}

/** Calls `endpoint`, asserts `status` and an Err holding `phrase`. */
export async function fails(socket: string, endpoint: string, body: object | string | undefined, status: number, phrase: string | RegExp): Promise<void> {
  const r = await call(socket, endpoint, body);
  assert.equal(r.status, status, `${endpoint}: ${r.body}`);
  assert.equal(typeof r.json.Err, 'string', `${endpoint}: no Err in ${r.body}`);
  if (typeof phrase === 'string') assert.ok((r.json.Err as string).includes(phrase), `${endpoint}: Err ${JSON.stringify(r.json.Err)} lacks ${JSON.stringify(phrase)}`);
  else assert.match(r.json.Err as string, phrase);
}
