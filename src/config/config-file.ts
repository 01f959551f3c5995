import { isAbsolute } from 'node:path';
import { VolError } from '../core/errors.ts';

/** What the config file sets, and the warnings reading it gave. */
export interface FileConfig {
  xfsProjectBase?: number;
  eventsMax?: number;
  volumePath?: string;
  pluginTimeout?: number;
  plugins?: Record<string, string>;
  /** `[csi] overcommit`: GetCapacity reports free space without taking promised limits off it. */
  csiOvercommit?: boolean;
  /** Keys vol does not know in a section it reads (a misspelt key would otherwise pass unnoticed). */
  warnings: string[];
}

/** Longest plugin timeout; setTimeout cannot wait longer than 2^31-1 ms. */
const MAX_PLUGIN_TIMEOUT_S = 2_147_483;

type Table = Record<string, unknown>;
/** Throws the wrong-type error of the key being read (or of `sub`, an entry inside it). */
type Fail = (expected: string, sub?: { key: string; value: unknown }) => never;
type Reader = (value: unknown, key: string, out: FileConfig, fail: Fail) => void;

const ENGINE: Record<string, Reader> = {
  volume_path: (v, _k, out, fail) => (out.volumePath = absolutePath(v, fail)),
  // podman: 0 means no timeout at all there, so a hung plugin hangs the command; vol refuses it.
  volume_plugin_timeout: (v, _k, out, fail) => (out.pluginTimeout = wholeNumber(v, 1, MAX_PLUGIN_TIMEOUT_S, 'a whole number of seconds', fail)),
  events_max: (v, _k, out, fail) => (out.eventsMax = wholeNumber(v, 1, Number.MAX_SAFE_INTEGER, 'a whole number of events', fail)),
  volume_plugins: (v, _k, out, fail) => (out.plugins = socketTable(v, fail)),
};

const CSI: Record<string, Reader> = {
  overcommit: (v, _k, out, fail) => (out.csiOvercommit = typeof v === 'boolean' ? v : fail('true or false')),
};

const VOL: Record<string, Reader> = {
  xfs_project_base: (v, _k, out, fail) => (out.xfsProjectBase = wholeNumber(v, 1, 0xfffffff0, 'a project id', fail)),
};

// containers.conf [engine] keys that Podman reads and vol does not: a real containers.conf passes without warnings.
const PODMAN_ENGINE_KEYS = new Set(
  ('active_service add_compression cdi_spec_dirs cgroup_check cgroup_manager checkpoint_image chown_copied_files ' +
    'compat_api_enforce_docker_hub compression_format compression_level conmon_env_vars conmon_path conmon_rw ' +
    'database_backend detach_keys enable_port_reservation env events_container_create_inspect_data ' +
    'events_logfile_max_size events_logfile_path events_logger exit_command_delay healthcheck_events ' +
    'helper_binaries_dir hooks_dir image_build_format image_copy_tmp_dir image_default_format ' +
    'image_default_transport image_parallel_copies image_volume_mode infra_command infra_image kube_generate_type ' +
    'lock_type machine_enabled multi_image_archive namespace network_cmd_options network_cmd_path no_pivot_root ' +
    'num_locks pod_exit_policy pull_policy remote remote_identity remote_uri retry retry_delay runtime runtimes ' +
    'runtime_supports_json runtime_supports_kvm runtime_supports_nocgroups service_destinations service_timeout ' +
    'ssh_config static_dir stop_timeout tmp_dir platform_to_oci_runtime podmansh_timeout').split(' '),
);

/** Reads and type-checks the containers.conf keys vol uses from TOML text; a wrong type names the file, key and expected type. */
export function parseConfigText(text: string, path: string, parse: (text: string) => unknown): FileConfig {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    throw new VolError('INVALID_ARG', `parsing config file ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const out: FileConfig = { warnings: [] };
  for (const [key, value] of Object.entries(doc)) {
    // Other tables are containers.conf sections vol does not read.
    if (!isTable(value)) out.warnings.push(`config file ${path}: unknown key ${key} outside any section: ignored (vol reads [engine], [vol] and [csi])`);
  }
  readSection(doc, 'engine', ENGINE, PODMAN_ENGINE_KEYS, path, out);
  readSection(doc, 'vol', VOL, new Set(), path, out);
  readSection(doc, 'csi', CSI, new Set(), path, out);
  return out;
}

function readSection(doc: Table, name: string, readers: Record<string, Reader>, ignored: Set<string>, path: string, out: FileConfig): void {
  const section = doc[name];
  if (section === undefined) return;
  if (!isTable(section)) failAt(path, name, 'a table', section);
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(section)) {
    const read = readers[key];
    if (read) read(value, key, out, (expected, sub) => failAt(path, `${name}.${key}${sub ? `.${sub.key}` : ''}`, expected, sub ? sub.value : value));
    else if (!ignored.has(key)) unknown.push(key);
  }
  if (unknown.length) out.warnings.push(`config file ${path}: unknown key${unknown.length > 1 ? 's' : ''} in [${name}]: ${unknown.join(', ')}: ignored`);
}

function failAt(path: string, key: string, expected: string, value: unknown): never {
  throw new VolError('INVALID_ARG', `config file ${path}: ${key} must be ${expected}, not ${describe(value)}`);
}

function absolutePath(v: unknown, fail: Fail): string {
  if (typeof v !== 'string' || !isAbsolute(v)) fail('an absolute path (a string starting with /)');
  return v;
}

function wholeNumber(v: unknown, min: number, max: number, what: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${what} from ${min} to ${max}`);
  return v;
}

function socketTable(v: unknown, fail: Fail): Record<string, string> {
  if (!isTable(v)) fail('a table of NAME = "/path/to/socket"');
  const plugins: Record<string, string> = {};
  for (const [name, sock] of Object.entries(v)) {
    if (typeof sock !== 'string' || !isAbsolute(sock)) fail('the absolute path of a unix socket', { key: name, value: sock });
    plugins[name] = sock;
  }
  return plugins;
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The TOML type of a value, and the value when short. */
function describe(v: unknown): string {
  const shown = JSON.stringify(v) ?? String(v);
  const value = shown.length <= 40 ? ` ${shown}` : '';
  if (typeof v === 'string') return `the string${value}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'the integer' : 'the float'}${value}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (Array.isArray(v)) return `an array${value}`;
  if (v instanceof Date) return `a date-time`;
  return 'a table';
}
