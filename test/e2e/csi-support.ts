import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, VOL_BIN } from '../helpers/vol.ts';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const loader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');

/** The proto the driver ships; a client loads it exactly as any CSI client loads the spec's. */
const PROTO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'csi.proto');

/** The gRPC codes the tests expect, by the spec's names. */
export const CODE = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, ALREADY_EXISTS: 6, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12 } as const;

/** The answer of one RPC: the response, or the gRPC error code and details. */
export type Reply = { ok: true; res: Record<string, any> } | { ok: false; code: number; details: string };

/** A running `vol csi serve` and clients of its three services. */
export interface CsiServer {
  socket: string;
  proc: ChildProcess;
  stderr(): string;
  /** Calls `service.method(req)` and resolves with the reply (never rejects). */
  call(service: 'Identity' | 'Controller' | 'Node', method: string, req?: object): Promise<Reply>;
  /** Calls and asserts success; returns the response. */
  ok(service: 'Identity' | 'Controller' | 'Node', method: string, req?: object): Promise<Record<string, any>>;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<number | null>;
}

/** A mount-access, single-node-writer volume capability. */
export const RW_CAP = { mount: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } };

/** Starts `vol --root ROOT csi serve` on a socket in `dir` and waits until Probe answers. */
export async function startCsi(root: string, dir: string, opts: { config?: string; env?: Record<string, string> } = {}): Promise<CsiServer> {
  const socket = join(dir, 'csi.sock');
  const args = ['--root', root, ...(opts.config ? ['--config', opts.config] : []), 'csi', 'serve', '--endpoint', `unix://${socket}`, '--node-id', 'node-1'];
  const proc = spawn(VOL_BIN, args, { env: childEnv(opts.env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const def = loader.loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const v1 = (grpc.loadPackageDefinition(def) as any).csi.v1;
  const clients: Record<string, any> = {};
  for (const s of ['Identity', 'Controller', 'Node']) clients[s] = new v1[s](`unix://${socket}`, grpc.credentials.createInsecure());
  const call: CsiServer['call'] = (service, method, req = {}) =>
    new Promise((res) => clients[service][method](req, { deadline: Date.now() + 60_000 }, (err: any, value: any) => res(err ? { ok: false, code: err.code, details: err.details } : { ok: true, res: value })));
  const server: CsiServer = {
    socket,
    proc,
    stderr: () => stderr,
    call,
    async ok(service, method, req) {
      const r = await call(service, method, req);
      if (!r.ok) throw new Error(`${method} failed: code ${r.code}: ${r.details}`);
      return r.res;
    },
    async stop() {
      for (const c of Object.values(clients)) c.close();
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`vol csi serve exited ${proc.exitCode}: ${stderr}`);
    if (existsSync(socket) && (await call('Identity', 'Probe')).ok) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`vol csi serve did not answer Probe within 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Asserts a refusal with `code`; returns the details for further checks. */
export function refused(r: Reply, code: number): string {
  if (r.ok) throw new Error(`expected gRPC code ${code}, got success: ${JSON.stringify(r.res)}`);
  if (r.code !== code) throw new Error(`expected gRPC code ${code}, got ${r.code}: ${r.details}`);
  return r.details;
}
