import { VolError } from '../../core/errors.ts';
import type { Engine } from '../../core/engine.ts';
import { vendorVersion } from '../../server/csi/identity.ts';
import type { CommandResult } from '../result.ts';
import { handle, type Register } from './shared.ts';

const OPERATIONS = ['fingerprint', 'create', 'delete'] as const;

/**
 * `vol nomad-host-volume fingerprint|create|delete`: Nomad's dynamic host volume plugin contract
 * (Nomad 1.10+). Nomad runs the plugin with the operation as its argument and the request in
 * DHV_* variables, and reads JSON from stdout.
 */
export const registerNomadHostVolume: Register = (program, env) => {
  const { ctx } = env;
  program
    .command('nomad-host-volume')
    .description('Act as a Nomad dynamic host volume plugin (fingerprint, create, delete; request in DHV_* variables)')
    .argument('[operation]', 'fingerprint, create or delete (default: DHV_OPERATION)')
    .action(handle(env, async (arg: string | undefined) => {
      const op = arg ?? process.env.DHV_OPERATION ?? '';
      try {
        if (!(OPERATIONS as readonly string[]).includes(op)) throw new VolError('INVALID_ARG', `unknown host volume operation ${JSON.stringify(op)}: use fingerprint, create or delete`);
        if (op === 'fingerprint') return json({ version: vendorVersion() });
        const engine = await ctx.engine(false);
        return op === 'create' ? await create(engine, process.env) : await remove(engine, process.env);
      } catch (err) {
        // Nomad shows the error field of stdout to the user who asked for the volume.
        return { stdout: JSON.stringify({ error: (err as Error).message }) + '\n', errors: [err as Error] };
      }
    }));
};

function json(value: unknown): CommandResult {
  return { stdout: JSON.stringify(value) + '\n', errors: [] };
}

async function create(engine: Engine, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const name = required(env, 'DHV_VOLUME_ID');
  const options = parameters(env.DHV_PARAMETERS);
  const min = bytes(env, 'DHV_CAPACITY_MIN_BYTES');
  const max = bytes(env, 'DHV_CAPACITY_MAX_BYTES');
  if (min > 0 && max > 0 && min > max) throw new VolError('INVALID_ARG', `capacity_min ${min} is more than capacity_max ${max}`);
  const size = min > 0 ? min : max;
  const labels: Record<string, string> = {};
  for (const [label, key] of [['nomad.volume.name', 'DHV_VOLUME_NAME'], ['nomad.namespace', 'DHV_NAMESPACE'], ['nomad.node.id', 'DHV_NODE_ID'], ['nomad.node.pool', 'DHV_NODE_POOL']] as const) {
    if (env[key]) labels[label] = env[key]!;
  }
  // Nomad expands a volume by running create again with a larger capacity.
  const { volume, path } = await engine.hostVolume({ name, options, labels, accounted: true }, `nomad:${name}`, size > 0 ? size : undefined);
  return json({ path, bytes: volume.size ?? 0 });
}

async function remove(engine: Engine, env: NodeJS.ProcessEnv): Promise<CommandResult> {
  const name = required(env, 'DHV_VOLUME_ID');
  // Deleting what is already gone succeeds: Nomad may repeat a delete.
  const [report] = await engine.rm({ names: engine.exists(name) ? [name] : [], all: false, force: true });
  return { stdout: '', errors: report?.error ? [report.error] : [] };
}

function required(env: NodeJS.ProcessEnv, key: string): string {
  const v = env[key];
  if (!v) throw new VolError('INVALID_ARG', `${key} is not set: vol nomad-host-volume is run by Nomad, which sets it`);
  return v;
}

function bytes(env: NodeJS.ProcessEnv, key: string): number {
  const v = env[key];
  if (v === undefined || v === '') return 0;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new VolError('INVALID_ARG', `${key}=${JSON.stringify(v)} is not a number of bytes`);
  return Number(v);
}

/** DHV_PARAMETERS: a JSON object of vol options (`type`, `o`, `uid`, …), string values only. */
function parameters(text: string | undefined): Record<string, string> {
  if (!text) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new VolError('INVALID_ARG', `DHV_PARAMETERS is not JSON: ${text}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new VolError('INVALID_ARG', 'DHV_PARAMETERS must be a JSON object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v !== 'string') throw new VolError('INVALID_ARG', `parameter ${k} must be a string`);
    out[k] = v;
  }
  return out;
}
