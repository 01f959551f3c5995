import { statSync } from 'node:fs';
import { VolError } from '../core/errors.ts';
import { PluginTransportError, postToPlugin } from './http.ts';

/** A volume as a plugin describes it. */
export interface PluginVolume {
  Name: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
}

/** podman's fixed Mount/Unmount id, sha256("placeholder\n"), used when no holder is given. */
export const PSEUDO_MOUNT_ID = '2f73349cfc4630255319c6c8dfc1b46a8996ace9d14d8e07563b165915918ec2';

// A definite "the plugin does not have it": the phrases plugins use (docker, podman's testvol, others).
const NOT_FOUND_RE = /no such volume|no volume with name|not found|does not exist/i;

// The protocol's volume names are vol's names: a plugin's answer never brings in a name vol would refuse.
const VOLUME_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,199}$/;

/** The timeout of a call when neither the volume nor the configuration gives a usable one. */
const DEFAULT_PLUGIN_TIMEOUT_S = 5;

/** Activation results per plugin, held by the runtime for the life of the process: a plugin that failed is not asked again. */
export type ActivationCache = Map<string, Promise<void>>;

/** What the engine calls on a volume plugin (tests hand in fakes). */
export type VolumePluginClient = Pick<PluginClient, 'name' | 'get' | 'list' | 'create' | 'remove' | 'mount' | 'unmount'>;

/** A client for one Docker volume plugin over its unix socket; every call has a timeout. */
export class PluginClient {
  /** Default timeout of a call, in seconds. */
  private readonly timeoutSec: number;

  constructor(
    readonly name: string,
    readonly socket: string,
    timeoutSec: number,
    private readonly activations: ActivationCache,
  ) {
    this.timeoutSec = timeoutSec > 0 ? timeoutSec : DEFAULT_PLUGIN_TIMEOUT_S;
  }

  /** `/VolumeDriver.Get`: the volume, or undefined when the plugin definitely does not have it. */
  async get(volume: string, timeoutSec?: number): Promise<PluginVolume | undefined> {
    try {
      const ans = await this.call('VolumeDriver.Get', { Name: volume }, volume, timeoutSec);
      const got = this.volumeOf(pick(ans, 'Volume'), 'VolumeDriver.Get', 'Volume', volume);
      if (got.Name !== volume) throw this.garbage('VolumeDriver.Get', volume, `Volume.Name is ${quote(got.Name)}`);
      return got;
    } catch (err) {
      if (err instanceof VolError && err.code === 'NO_SUCH_VOLUME') return undefined;
      throw err;
    }
  }

  /** `/VolumeDriver.List`. */
  async list(): Promise<PluginVolume[]> {
    const ans = await this.call('VolumeDriver.List', undefined, undefined);
    if (!isObject(ans)) throw this.garbage('VolumeDriver.List', undefined, 'the answer is not an object');
    const vols = pick(ans, 'Volumes');
    // A Go plugin with no volumes sends a nil slice: null, or no member at all.
    if (vols === null || vols === undefined) return [];
    if (!Array.isArray(vols)) throw this.garbage('VolumeDriver.List', undefined, 'Volumes is neither a list nor null');
    return vols.map((v, i) => this.volumeOf(v, 'VolumeDriver.List', `Volumes[${i}]`, undefined));
  }

  /** `/VolumeDriver.Create`. */
  async create(volume: string, opts: Record<string, string>, timeoutSec?: number): Promise<void> {
    await this.call('VolumeDriver.Create', Object.keys(opts).length ? { Name: volume, Opts: opts } : { Name: volume }, volume, timeoutSec);
  }

  /** `/VolumeDriver.Remove`. */
  async remove(volume: string, timeoutSec?: number): Promise<void> {
    await this.call('VolumeDriver.Remove', { Name: volume }, volume, timeoutSec);
  }

  /** `/VolumeDriver.Mount`: returns the path the plugin mounted the volume at. */
  async mount(volume: string, id: string, timeoutSec?: number): Promise<string> {
    const ans = await this.call('VolumeDriver.Mount', { Name: volume, ID: id }, volume, timeoutSec);
    const mp = pick(ans, 'Mountpoint');
    if (typeof mp !== 'string' || mp === '') throw this.garbage('VolumeDriver.Mount', volume, 'no Mountpoint in the answer');
    if (!mp.startsWith('/')) throw this.garbage('VolumeDriver.Mount', volume, `Mountpoint ${quote(mp)} is not an absolute path`);
    return mp;
  }

  /** `/VolumeDriver.Unmount`. */
  async unmount(volume: string, id: string, timeoutSec?: number): Promise<void> {
    await this.call('VolumeDriver.Unmount', { Name: volume, ID: id }, volume, timeoutSec);
  }

  /** Activates (once per process), then POSTs; every failure is a VolError naming the plugin. */
  private async call(endpoint: string, body: object | undefined, volume: string | undefined, timeoutSec?: number): Promise<unknown> {
    // podman: a volume's timeout=0 means no timeout there, so a hung plugin hangs the command; here it means the default.
    const timeout = timeoutSec !== undefined && timeoutSec > 0 ? timeoutSec : this.timeoutSec;
    await this.activate(timeout);
    return this.post(endpoint, body, volume, timeout);
  }

  /**
   * Activates once per process. The first caller's timeout bounds the activation; every caller
   * waits on it at most its own timeout (podman: the first volume's timeout binds all later calls).
   */
  private activate(timeoutSec: number): Promise<void> {
    const key = `${this.name}\0${this.socket}`;
    let p = this.activations.get(key);
    if (!p) {
      p = this.doActivate(timeoutSec);
      // Failures are cached too: N volumes of a dead plugin cost one timeout, not N (podman: one each).
      p.catch(() => undefined);
      this.activations.set(key, p);
      return p;
    }
    return withTimeout(p, timeoutSec, () => this.timedOut('Plugin.Activate', timeoutSec));
  }

  private timedOut(endpoint: string, timeoutSec: number): VolError {
    return new VolError('PLUGIN_UNREACHABLE', `plugin ${this.name} timed out after ${timeoutSec}s on /${endpoint}`);
  }

  private async doActivate(timeoutSec: number): Promise<void> {
    this.checkSocket();
    const ans = await this.post('Plugin.Activate', undefined, undefined, timeoutSec);
    const impl = pick(ans, 'Implements');
    if (!Array.isArray(impl) || !impl.includes('VolumeDriver')) {
      const provides = Array.isArray(impl) ? impl.join(', ') : 'nothing';
      throw new VolError('PLUGIN_UNREACHABLE', `plugin ${this.name} does not implement volume plugin, instead provides ${provides || 'nothing'}`);
    }
  }

  private checkSocket(): void {
    let st;
    try {
      st = statSync(this.socket);
    } catch {
      throw new VolError('PLUGIN_UNREACHABLE', `cannot access plugin ${this.name} socket "${this.socket}": no such file or directory`);
    }
    if (!st.isSocket()) throw new VolError('PLUGIN_UNREACHABLE', `volume plugin ${this.name} path "${this.socket}" is not a unix socket`);
  }

  private async post(endpoint: string, body: object | undefined, volume: string | undefined, timeoutSec: number): Promise<unknown> {
    let ans;
    try {
      ans = await postToPlugin(this.socket, endpoint, body === undefined ? '' : JSON.stringify(body), timeoutSec * 1000);
    } catch (err) {
      const why = err instanceof PluginTransportError ? err.message : (err as Error).message;
      throw new VolError('PLUGIN_UNREACHABLE', `plugin ${this.name} ${why} on /${endpoint}${volume ? ` for volume ${volume}` : ''}`, { cause: err });
    }
    let json: unknown;
    try {
      json = ans.body === '' ? {} : JSON.parse(ans.body);
    } catch {
      if (ans.status !== 200) throw this.answered(endpoint, volume, `status ${ans.status}: ${ans.body.slice(0, 200)}`);
      throw this.garbage(endpoint, volume, 'the answer is not JSON');
    }
    const errText = pick(json, 'Err');
    if (errText !== undefined && errText !== null && typeof errText !== 'string') throw this.garbage(endpoint, volume, 'Err is not a string');
    // podman: a 200 with an Err counts as success there; vol treats it as the error it is.
    if (ans.status !== 200 || (typeof errText === 'string' && errText !== '')) {
      throw this.answered(endpoint, volume, typeof errText === 'string' && errText !== '' ? errText : `status ${ans.status} with an empty error`);
    }
    return json;
  }

  private answered(endpoint: string, volume: string | undefined, why: string): VolError {
    const code = volume !== undefined && NOT_FOUND_RE.test(why) ? 'NO_SUCH_VOLUME' : 'PLUGIN_FAILED';
    return new VolError(code, `plugin ${this.name} failed /${endpoint}${volume ? ` for volume ${volume}` : ''}: ${why}`);
  }

  private garbage(endpoint: string, volume: string | undefined, why: string): VolError {
    return new VolError('PLUGIN_UNREACHABLE', `plugin ${this.name} answered garbage on /${endpoint}${volume ? ` for volume ${volume}` : ''}: ${why}`);
  }

  /** A volume of an answer (`where` names it there), type-checked against the protocol. */
  private volumeOf(v: unknown, endpoint: string, where: string, volume: string | undefined): PluginVolume {
    const bad = (why: string) => this.garbage(endpoint, volume, `${where}${why}`);
    if (!isObject(v)) throw bad(' is not an object');
    const name = pick(v, 'Name');
    if (typeof name !== 'string') throw bad('.Name is not a string');
    if (!VOLUME_NAME_RE.test(name)) throw bad(`.Name ${quote(name)}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 200 characters)`);
    const out: PluginVolume = { Name: name };
    const mp = pick(v, 'Mountpoint');
    if (mp !== undefined && mp !== null && typeof mp !== 'string') throw bad('.Mountpoint is not a string');
    if (typeof mp === 'string' && mp !== '') {
      if (!mp.startsWith('/')) throw bad(`.Mountpoint ${quote(mp)} is not an absolute path`);
      out.Mountpoint = mp;
    }
    const status = pick(v, 'Status');
    if (status !== undefined && status !== null && !isObject(status)) throw bad('.Status is not an object');
    if (status) out.Status = status as Record<string, unknown>;
    const created = pick(v, 'CreatedAt');
    if (created !== undefined && created !== null && typeof created !== 'string') throw bad('.CreatedAt is not a string');
    if (typeof created === 'string' && created !== '') out.CreatedAt = created;
    return out;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value from a plugin, quoted and cut short for a message. */
function quote(v: string): string {
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
}

/** Resolves as `p` does, or rejects with `onTimeout()` after `seconds`; leaves no timer behind. */
function withTimeout<T>(p: Promise<T>, seconds: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), seconds * 1000);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Reads `key` from a decoded answer, matching member names case-insensitively as Go's decoder does. */
function pick(json: unknown, key: string): unknown {
  if (json === null || typeof json !== 'object') return undefined;
  const obj = json as Record<string, unknown>;
  if (key in obj) return obj[key];
  const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : obj[found];
}
