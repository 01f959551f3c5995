import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { VolError } from '../core/errors.ts';
import type { VolumeMount, VolumeSettings } from '../core/model.ts';
import { parseSize, parseUint } from './size.ts';

const PLAIN_KEYS = new Set(['type', 'device', 'copy', 'nocopy']);
const LIMIT_KEYS = new Set(['uid', 'gid', 'size', 'inodes', 'noquota']);

function invalid(message: string): VolError {
  return new VolError('INVALID_ARG', message);
}

/**
 * Validates local-driver options (keys compared case-insensitively and stored in one spelling,
 * values kept verbatim) and extracts what create enforces: owner, size, inodes, noquota, plugin
 * timeout.
 */
export function parseLocalOptions(raw: Record<string, string>): VolumeSettings {
  const out: VolumeSettings = { options: {}, noQuota: false };
  for (const [key, value] of Object.entries(raw)) {
    const lower = key.toLowerCase();
    // Keys are stored in one spelling, whatever the case typed: the documented lower-case keys,
    // and for the limits the upper-case key Podman records for the same sub-option of o=.
    if (lower === 'o') {
      const kept = parseMountOptions(value, out);
      if (kept.length > 0) {
        const mount = mountOf(out);
        mount.options.push(...kept);
        out.options.o = mount.options.join(',');
      }
    } else if (PLAIN_KEYS.has(lower)) {
      out.options[lower] = value;
      if (lower === 'type') mountOf(out).type = value;
      if (lower === 'device') mountOf(out).device = value;
    } else if (LIMIT_KEYS.has(lower)) {
      // podman: a top-level uid/gid/size/inodes/noquota is accepted and silently ignored there
      // (and kept as typed); vol enforces and records it exactly like the same sub-option of o=.
      applyLimit(lower, value, out);
      out.options[lower.toUpperCase()] = lower === 'noquota' ? 'true' : value;
    } else {
      throw invalid(`invalid mount option ${key} for driver 'local'`);
    }
  }
  if (out.noQuota && (out.size !== undefined || out.inodes !== undefined)) {
    throw invalid('volume options size and inodes cannot be used without quota');
  }
  checkDevice(out);
  return out;
}

/** The mount settings being parsed, made on first need: a volume without type, device or o has none. */
function mountOf(out: VolumeSettings): VolumeMount {
  out.mount ??= { options: [] };
  return out.mount;
}

/** Interprets the sub-options of `o=`; returns those that stay in `o` for mount(8). */
function parseMountOptions(value: string, out: VolumeSettings): string[] {
  const kept: string[] = [];
  for (const item of value.split(',')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? '' : item.slice(eq + 1);
    switch (key) {
      case 'uid':
      case 'gid':
        applyLimit(key, val, out);
        out.options[key.toUpperCase()] = val;
        kept.push(item);
        break;
      case 'size':
      case 'inodes':
        applyLimit(key, val, out);
        out.options[key.toUpperCase()] = val;
        break;
      case 'noquota':
        applyLimit(key, val, out);
        out.options.NOQUOTA = 'true';
        break;
      case 'timeout':
        out.pluginTimeout = parseUint(val);
        if (out.pluginTimeout === undefined) throw invalid(`cannot convert timeout ${val} to integer`);
        break;
      default:
        kept.push(item);
    }
  }
  return kept;
}

function applyLimit(key: string, val: string, out: VolumeSettings): void {
  switch (key) {
    case 'uid':
    case 'gid': {
      const id = key.toUpperCase();
      if (val === '') throw invalid(`${key} option must provide a ${id}`);
      const n = parseUint(val);
      if (n === undefined || n > 0xfffffffe) throw invalid(`cannot convert ${id} ${val} to integer`);
      if (key === 'uid') out.uid = n;
      else out.gid = n;
      return;
    }
    case 'size':
      out.size = parseSize(val);
      if (out.size === undefined) throw invalid(`cannot convert size ${val} to integer`);
      return;
    case 'inodes':
      out.inodes = parseUint(val);
      if (out.inodes === undefined) throw invalid(`cannot convert inodes ${val} to integer`);
      return;
    default:
      out.noQuota = true;
  }
}

function checkDevice(out: VolumeSettings): void {
  const device = out.mount?.device ?? '';
  // mount(8) would take such a device for an option (`-V` prints its version and mounts nothing).
  if (device.startsWith('-')) throw invalid(`invalid volume option device for driver 'local': ${JSON.stringify(device)} must not begin with "-"`);
  if (out.mount?.type?.toLowerCase() !== 'bind') return;
  // A relative device would be resolved against the working directory of whoever mounts later.
  if (device !== '' && !isAbsolute(device)) throw invalid(`invalid volume option device for driver 'local': a bind device must be an absolute path, not ${JSON.stringify(device)}`);
  try {
    statSync(device);
  } catch (err) {
    throw new VolError('INVALID_ARG', `invalid volume option device for driver 'local': stat ${JSON.stringify(device)}: no such file or directory`, { cause: err });
  }
}
