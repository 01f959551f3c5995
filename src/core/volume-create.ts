import { VolError } from './errors.ts';
import { volumeEvent } from './new-event.ts';
import { lostRow } from './lookup.ts';
import type { VolumeCreateOptions, VolumeCreateReport } from './model.ts';
import { randomVolumeName, validateVolumeName } from './names.ts';
import type { Runtime } from './runtime.ts';
import { takeName } from './take-name.ts';

/**
 * Creates a volume: validate everything (the driver checks its options), then under the volume
 * lock reserve the name in the database (status `creating`), let the driver make the volume, and
 * mark it `ready`. Any failure undoes what was made, in reverse order.
 */
export async function createVolume(rt: Runtime, opts: VolumeCreateOptions): Promise<VolumeCreateReport> {
  const name = opts.name || randomVolumeName();
  validateVolumeName(name);
  const labels = validateLabels(opts.labels ?? {});
  const driver = opts.driver || 'local';
  const pending = await rt.drivers.of(driver).prepare(rt, { ...opts, name, labels, driver });
  return rt.locker.withLock(name, async () => {
    const existing = await takeName(rt, name, opts.ignoreIfExists);
    if (existing) return { volume: existing, existed: true };
    const rec = pending.record();
    rt.store.insertCreating(rec, rt.config.xfsProjectBase);
    let made = false;
    try {
      await pending.make(rec);
      made = true;
      if (!rt.store.transition(rec.name, 'creating', 'ready', volumeEvent(rec, 'create'))) throw lostRow(rec.name);
    } catch (err) {
      if (made) await pending.unmake(rec);
      rt.store.delete(rec.name);
      throw err;
    }
    rec.status = 'ready';
    return { volume: rec, existed: false };
  });
}

function validateLabels(labels: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(labels)) {
    if (key === '') throw new VolError('INVALID_ARG', 'invalid label format: a label key must not be empty');
  }
  return labels;
}
