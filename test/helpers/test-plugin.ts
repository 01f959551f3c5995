import { appendFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** How the test plugin misbehaves on one endpoint until the fault is changed or cleared. */
export type FaultMode =
  | { kind: 'hang' }
  | { kind: 'garbage' }
  | { kind: 'error500'; err: string }
  | { kind: 'error200'; err: string }
  | { kind: 'drop' }
  | { kind: 'slow'; ms: number }
  | { kind: 'notVolumeDriver' }
  | { kind: 'status'; code: number; body?: string }
  /** A 200 whose body never ends (chunked, JSON whitespace as fast as the client reads). */
  | { kind: 'endless' }
  /** A 200 with a body of `bytes` bytes (JSON whitespace), sent without holding it in memory. */
  | { kind: 'huge'; bytes: number };

/** One volume held in the plugin's memory. */
export interface TestVolume {
  opts: Record<string, string>;
  /** The directory made by the first Mount; reported to clients only while `mounts` is not empty. */
  mountpoint?: string;
  createdAt: string;
  /** The IDs that mounted the volume and have not unmounted it. */
  mounts: Set<string>;
}

/** One request received: the endpoint without its slash, and the parsed JSON body (the raw text when empty or not JSON). */
export interface PluginCall {
  endpoint: string;
  body: unknown;
}

/** A running in-process test volume plugin. */
export interface TestPlugin {
  /** The unix socket the plugin listens on. */
  readonly socket: string;
  /** The directory holding the socket and the mountpoints. */
  readonly dir: string;
  readonly calls: PluginCall[];
  readonly volumes: Map<string, TestVolume>;
  /** Puts a volume into the plugin as if it had been created through it. */
  addVolume(name: string, opts?: Record<string, string>): TestVolume;
  /** Drops a volume as if it had been removed behind vol's back. */
  forget(name: string): void;
  /** Sets the fault of one endpoint ('VolumeDriver.Get', ... or '*'); `undefined` clears it. */
  fault(endpoint: string, mode: FaultMode | undefined): void;
  /** Closes the server, destroys every open connection (hung ones too) and removes what the plugin made. */
  close(): Promise<void>;
}

/** Options of `startTestPlugin`. */
export interface TestPluginOptions {
  /** An existing directory to put the socket in (kept on close); default a fresh temp dir (removed on close). */
  dir?: string;
  /** The socket is `<dir>/<name>.sock`; default `testvol`. */
  name?: string;
}

interface Answer {
  status: number;
  body: unknown;
}

const CONTENT_TYPE = 'application/vnd.docker.plugins.v1.1+json';
const SAFE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const GARBAGE = '<html>this is not JSON';

const ok = (body: object): Answer => ({ status: 200, body: { ...body, Err: '' } });
const fail = (err: string): Answer => ({ status: 500, body: { Err: err } });

function send(res: ServerResponse, status: number, body: string): void {
  if (res.writableEnded || res.destroyed || res.socket?.destroyed) return;
  // Headers and body leave in one write: podman hangs up right after the status line of a 200.
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes `bytes` bytes of spaces (Infinity: until the client hangs up), at the pace the client reads. */
function stream(res: ServerResponse, bytes: number): void {
  res.writeHead(200, Number.isFinite(bytes) ? { 'Content-Type': CONTENT_TYPE, 'Content-Length': bytes } : { 'Content-Type': CONTENT_TYPE });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

function parseBody(raw: string): unknown {
  if (raw === '') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function stringOpts(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  const rec = asRecord(value);
  return rec && Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, String(v)]));
}

class PluginServer implements TestPlugin {
  readonly calls: PluginCall[] = [];
  readonly volumes = new Map<string, TestVolume>();
  private readonly faults = new Map<string, FaultMode>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server = createServer((req, res) => this.receive(req, res));
  private closing: Promise<void> | undefined;

  constructor(
    readonly socket: string,
    readonly dir: string,
    private readonly mountRoot: string,
    private readonly cleanup: () => void,
    private readonly onCall?: (call: PluginCall) => void,
  ) {
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('error', () => {}); // EPIPE/ECONNRESET from a client that hung up early
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_err, s: Socket) => s.destroy());
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socket, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  addVolume(name: string, opts: Record<string, string> = {}): TestVolume {
    const vol: TestVolume = { opts, createdAt: new Date().toISOString(), mounts: new Set() };
    this.volumes.set(name, vol);
    return vol;
  }

  forget(name: string): void {
    const vol = this.volumes.get(name);
    if (vol?.mountpoint) rmSync(vol.mountpoint, { recursive: true, force: true });
    this.volumes.delete(name);
  }

  fault(endpoint: string, mode: FaultMode | undefined): void {
    if (mode) this.faults.set(endpoint, mode);
    else this.faults.delete(endpoint);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.cleanup();
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('error', () => {});
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.dispatch(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const call: PluginCall = { endpoint: (req.url ?? '/').replace(/^\//, ''), body: parseBody(raw) };
    this.calls.push(call);
    this.onCall?.(call);
    if (req.method !== 'POST') return send(res, 405, JSON.stringify({ Err: `method ${req.method} not allowed` }));
    this.withFault(this.faults.get(call.endpoint) ?? this.faults.get('*'), call, req, res);
  }

  private withFault(mode: FaultMode | undefined, call: PluginCall, req: IncomingMessage, res: ServerResponse): void {
    switch (mode?.kind) {
      case undefined:
        return this.answer(call, res);
      case 'hang':
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'garbage':
        return send(res, 200, GARBAGE);
      case 'error500':
        return send(res, 500, JSON.stringify({ Err: mode.err }));
      case 'error200':
        return send(res, 200, JSON.stringify({ Err: mode.err }));
      case 'status':
        return send(res, mode.code, mode.body ?? '');
      case 'slow':
        return this.later(mode.ms, () => this.answer(call, res));
      case 'notVolumeDriver':
        if (call.endpoint !== 'Plugin.Activate') return this.answer(call, res);
        return send(res, 200, JSON.stringify({ Implements: ['authz'] }));
      case 'endless':
        return stream(res, Infinity);
      case 'huge':
        return stream(res, mode.bytes);
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private answer(call: PluginCall, res: ServerResponse): void {
    let a: Answer;
    try {
      a = this.handle(call.endpoint, call.body);
    } catch (err) {
      a = fail(`test plugin: ${(err as Error).message}`);
    }
    send(res, a.status, JSON.stringify(a.body));
  }

  private handle(endpoint: string, body: unknown): Answer {
    if (endpoint === 'Plugin.Activate') return { status: 200, body: { Implements: ['VolumeDriver'] } };
    if (endpoint === 'VolumeDriver.Capabilities') return { status: 200, body: { Capabilities: { Scope: 'local' } } };
    if (endpoint === 'VolumeDriver.List') return ok({ Volumes: [...this.volumes].map(([n, v]) => this.describe(n, v, false)) });
    if (!VOLUME_ENDPOINTS.has(endpoint)) return { status: 404, body: { Err: `unknown endpoint: /${endpoint}` } };
    const req = asRecord(body);
    const name = req?.Name;
    if (typeof name !== 'string' || name === '') return fail('Name is required');
    if (endpoint === 'VolumeDriver.Create') return this.create(name, req?.Opts);
    const vol = this.volumes.get(name);
    if (!vol) return fail(`no such volume: ${name}`);
    return this.onVolume(endpoint, name, vol, req?.ID);
  }

  private create(name: string, rawOpts: unknown): Answer {
    if (this.volumes.has(name)) return fail(`volume already exists: ${name}`);
    const opts = stringOpts(rawOpts);
    if (!opts) return fail('Opts must be an object');
    this.addVolume(name, opts);
    return ok({});
  }

  private onVolume(endpoint: string, name: string, vol: TestVolume, id: unknown): Answer {
    switch (endpoint) {
      case 'VolumeDriver.Get':
        return ok({ Volume: this.describe(name, vol, true) });
      case 'VolumeDriver.Path':
        return ok({ Mountpoint: vol.mounts.size > 0 ? vol.mountpoint : '' });
      case 'VolumeDriver.Remove':
        if (vol.mounts.size > 0) return fail(`volume is being used: ${name}`);
        this.forget(name);
        return ok({});
    }
    if (typeof id !== 'string' || id === '') return fail('ID is required');
    if (endpoint === 'VolumeDriver.Unmount') {
      vol.mounts.delete(id);
      return ok({});
    }
    vol.mountpoint ??= join(this.mountRoot, SAFE_NAME.test(name) ? name : `x${Buffer.from(name).toString('hex')}`);
    mkdirSync(vol.mountpoint, { recursive: true });
    vol.mounts.add(id);
    return ok({ Mountpoint: vol.mountpoint });
  }

  private describe(name: string, vol: TestVolume, full: boolean): object {
    const mp = vol.mounts.size > 0 ? { Mountpoint: vol.mountpoint } : {};
    if (!full) return { Name: name, ...mp };
    return { Name: name, ...mp, CreatedAt: vol.createdAt, Status: { opts: vol.opts, mounts: vol.mounts.size } };
  }
}

const VOLUME_ENDPOINTS = new Set(['Create', 'Get', 'Remove', 'Mount', 'Unmount', 'Path'].map((e) => `VolumeDriver.${e}`));

/** Starts an in-memory volume plugin on a unix socket; close it with `close()`. */
export async function startTestPlugin(opts: TestPluginOptions = {}): Promise<TestPlugin> {
  const name = opts.name ?? 'testvol';
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vol-plugin-'));
  const mountRoot = join(dir, `${name}.mounts`);
  const cleanup = (): void => rmSync(opts.dir ? mountRoot : dir, { recursive: true, force: true });
  const plugin = new PluginServer(join(dir, `${name}.sock`), dir, mountRoot, cleanup);
  try {
    await plugin.listen();
  } catch (err) {
    cleanup();
    throw err;
  }
  return plugin;
}

function applyFaultLine(plugin: TestPlugin, line: string): void {
  if (line.trim() === '') return;
  try {
    const { endpoint, mode } = JSON.parse(line) as { endpoint: string; mode: FaultMode | null };
    plugin.fault(endpoint, mode ?? undefined);
    process.stdout.write('ok\n');
  } catch (err) {
    process.stdout.write(`error ${(err as Error).message}\n`);
  }
}

async function main([socket, faults]: string[]): Promise<void> {
  if (!socket) {
    process.stderr.write('usage: test-plugin.ts SOCKET_PATH [FAULTS_JSON]\n');
    process.exit(2);
  }
  rmSync(socket, { force: true }); // a socket left by a killed predecessor
  const mountRoot = `${socket}.mounts`;
  const log = (call: PluginCall): void => appendFileSync(`${socket}.calls`, `${JSON.stringify(call)}\n`);
  const cleanup = (): void => rmSync(mountRoot, { recursive: true, force: true });
  const plugin = new PluginServer(socket, dirname(socket), mountRoot, cleanup, log);
  for (const [endpoint, mode] of Object.entries(JSON.parse(faults ?? '{}') as Record<string, FaultMode | null>)) {
    plugin.fault(endpoint, mode ?? undefined);
  }
  await plugin.listen();
  process.stdout.write('ready\n');
  createInterface({ input: process.stdin }).on('line', (line) => applyFaultLine(plugin, line));
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void plugin.close().then(() => process.exit(0)));
}

function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) await main(process.argv.slice(2));
