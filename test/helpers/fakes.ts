import { VolError } from '../../src/core/errors.ts';
import type { VolumeHolder, VolumeRecord } from '../../src/core/model.ts';
import type { MountOutcome, NewVolume, NewVolumeOptions, PluginClients, QuotaBackends, Runtime, VolumeDriver, VolumeDrivers, VolumeRemoval } from '../../src/core/runtime.ts';
import type { PluginVolume, VolumePluginClient } from '../../src/plugin/client.ts';
import type { QuotaBackend, QuotaHandle, QuotaLimits, QuotaUsage } from '../../src/quota/backend.ts';

/** A volume plugin kept in memory: what it holds, every call it got, and a switch to make it fail. */
export class FakePlugin implements VolumePluginClient {
  readonly volumes = new Map<string, PluginVolume>();
  readonly calls: string[] = [];
  /** When set, every call fails with PLUGIN_UNREACHABLE. */
  down = false;

  constructor(readonly name: string) {}

  private enter(call: string): void {
    this.calls.push(call);
    if (this.down) throw new VolError('PLUGIN_UNREACHABLE', `plugin ${this.name} is down`);
  }

  async get(volume: string): Promise<PluginVolume | undefined> {
    this.enter(`get ${volume}`);
    return this.volumes.get(volume);
  }

  async list(): Promise<PluginVolume[]> {
    this.enter('list');
    return [...this.volumes.values()];
  }

  async create(volume: string): Promise<void> {
    this.enter(`create ${volume}`);
    this.volumes.set(volume, { Name: volume });
  }

  async remove(volume: string): Promise<void> {
    this.enter(`remove ${volume}`);
    this.volumes.delete(volume);
  }

  async mount(volume: string): Promise<string> {
    this.enter(`mount ${volume}`);
    return `/fake-plugin/${volume}`;
  }

  async unmount(volume: string): Promise<void> {
    this.enter(`unmount ${volume}`);
  }
}

/** Plugin clients that hand out the given fakes, and NO_SUCH_PLUGIN for any other name. */
export function fakePlugins(...plugins: FakePlugin[]): PluginClients {
  return {
    client: (driver) => {
      const p = plugins.find((f) => f.name === driver);
      if (!p) throw new VolError('NO_SUCH_PLUGIN', `no volume plugin with name ${driver} available`);
      return p;
    },
  };
}

/** A quota backend that records what it is asked and reports `usedBytes` for every handle. */
export class FakeQuota implements QuotaBackend {
  readonly calls: string[] = [];
  usedBytes = 0;
  private next = 1;

  constructor(readonly name: string) {}

  async check(limits: QuotaLimits, volume: string): Promise<void> {
    this.calls.push(`check ${volume} ${JSON.stringify(limits)}`);
  }

  async makeLimitedDir(_dataDir: string, limits: QuotaLimits): Promise<QuotaHandle> {
    this.calls.push(`limit ${JSON.stringify(limits)}`);
    return { id: String(this.next++) };
  }

  async usage(handles: readonly QuotaHandle[]): Promise<Map<string, QuotaUsage>> {
    this.calls.push(`usage ${handles.map((h) => h.id).join(',')}`);
    return new Map(handles.map((h) => [h.id, { usedBytes: this.usedBytes }]));
  }

  async release(_dataDir: string, handle: QuotaHandle): Promise<void> {
    this.calls.push(`release ${handle.id}`);
  }
}

/** Quota backends that answer every name with the given fakes. */
export function fakeQuotas(...backends: FakeQuota[]): QuotaBackends {
  return { byName: (name) => backends.find((b) => b.name === name) };
}

/**
 * A volume driver kept in memory that records each call the verbs make of it (`prepare v`,
 * `mount v 0`…); `failMake` makes the next create fail after the row is reserved.
 */
export class FakeDriver implements VolumeDriver {
  readonly calls: string[] = [];
  readonly made = new Set<string>();
  failMake = false;
  readonly unmountedPath = null;
  readonly keepsDataHere = false;

  async prepare(_rt: Runtime, opts: NewVolumeOptions): Promise<NewVolume> {
    this.calls.push(`prepare ${opts.name}`);
    return {
      record: () => ({ name: opts.name, driver: opts.driver, mountpoint: '', createdAt: 0, labels: opts.labels, options: opts.options ?? {}, noQuota: false, status: 'creating', mountCount: 0 }),
      make: async (rec) => {
        this.calls.push(`make ${rec.name}`);
        if (this.failMake) throw new VolError('IO_FAILED', `making ${rec.name} failed`);
        this.made.add(rec.name);
      },
      unmake: async (rec) => {
        this.calls.push(`unmake ${rec.name}`);
        this.made.delete(rec.name);
      },
    };
  }

  verify(_rt: Runtime, rec: VolumeRecord): void {
    this.calls.push(`verify ${rec.name}`);
  }

  needsMount(): boolean {
    return true;
  }

  async mount(_rt: Runtime, rec: VolumeRecord): Promise<MountOutcome> {
    this.calls.push(`mount ${rec.name} ${rec.mountCount}`);
    return { path: `/fake-driver/${rec.name}`, attributes: { fake: true } };
  }

  async release(_rt: Runtime, rec: VolumeRecord): Promise<void> {
    this.calls.push(`release ${rec.name}`);
  }

  async detach(_rt: Runtime, rec: VolumeRecord): Promise<void> {
    this.calls.push(`detach ${rec.name}`);
  }

  layers(): undefined {
    return undefined;
  }

  async remove(rt: Runtime, rec: VolumeRecord, holders: readonly VolumeHolder[], removal: VolumeRemoval): Promise<void> {
    this.calls.push(`remove ${rec.name} ${holders.length} ${removal.eventType}`);
    this.made.delete(rec.name);
    rt.store.delete(rec.name);
  }

  async settle(_rt: Runtime, rec: VolumeRecord): Promise<void> {
    this.calls.push(`settle ${rec.name}`);
  }

  async exportData(_rt: Runtime, rec: VolumeRecord): Promise<string[]> {
    this.calls.push(`export ${rec.name}`);
    return [];
  }

  async importData(_rt: Runtime, rec: VolumeRecord): Promise<string[]> {
    this.calls.push(`import ${rec.name}`);
    return ['skipped-entry'];
  }

  async status(_rt: Runtime, driver: string, volumes: readonly VolumeRecord[], _perVolume: boolean, status: Map<string, Record<string, unknown>>): Promise<string[]> {
    for (const v of volumes) status.set(v.name, { driver });
    return [];
  }
}

/** Drivers where every volume of driver `name` goes to `fake` and every other one to `others`. */
export function fakeDrivers(name: string, fake: FakeDriver, others: VolumeDrivers): VolumeDrivers {
  return { of: (driver) => (driver === name ? fake : others.of(driver)) };
}
