import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { parse } from 'smol-toml';
import { main, type Io } from '../../src/cli/main.ts';
import { parseConfigText } from '../../src/config/config-file.ts';
import { formatLogLine } from '../../src/config/logger.ts';
import { clipMessage, isVolError } from '../../src/core/errors.ts';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

/** An Io whose stdout fails every write with `code` (undefined: never fails). */
function fakeIo(code?: string): Io & { out: string; err: string } {
  let failure: Error | undefined;
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      if (code && text) failure ??= Object.assign(new Error(`${code}: write failed, write`), { code });
      else io.out += text;
    },
    stderr: (text: string) => void (io.err += text),
    readLine: async () => undefined,
    stdinBytes: () => Readable.from([]),
    stdoutBytes: () => new Writable({ write: (_c, _e, cb) => cb() }),
    interrupts: () => new AbortController().signal,
    stdoutFailure: () => failure,
  };
  return io;
}

describe('main and a failing stdout', () => {
  let root = '';
  beforeEach(() => {
    root = makeTemp('vol-unit-boundary-');
  });
  afterEach(() => removeTemp(root));

  test('EPIPE: 141 and nothing on stderr', async () => {
    const io = fakeIo('EPIPE');
    assert.equal(await main(['--root', root, 'create', 'v'], io), 141);
    assert.equal(io.err, '');
  });

  test('ENOSPC: one Error line and 125; the errors it caused are not repeated', async () => {
    const io = fakeIo('ENOSPC');
    assert.equal(await main(['--root', root, 'info'], io), 125);
    assert.equal(io.err, 'Error: writing to stdout: write failed\n');
  });

  test('a working stdout: the result, nothing else', async () => {
    const io = fakeIo();
    assert.equal(await main(['--root', root, 'create', 'v'], io), 0);
    assert.deepEqual([io.out, io.err], ['v\n', '']);
  });
});

describe('clipMessage', () => {
  test('cuts long values and long lines, joins lines', () => {
    assert.equal(clipMessage(`no holder ${'h'.repeat(500)} here`), `no holder ${'h'.repeat(200)}... here`);
    assert.equal(clipMessage('a\n  b'), 'a b');
    assert.equal(clipMessage('ab '.repeat(1000)).length, 2003);
    assert.equal(clipMessage('short'), 'short');
  });

  test('log lines are one clipped line with their fields', () => {
    assert.equal(formatLogLine('warn', 'quota failed', { error: 'x'.repeat(300) }), `Warning: quota failed (error=${'x'.repeat(193)}...\n`);
    assert.equal(formatLogLine('error', 'boom'), 'Error: boom\n');
  });
});

describe('parseConfigText', () => {
  const read = (text: string) => parseConfigText(text, '/etc/vol.toml', parse);
  const refused = (text: string, phrase: string) =>
    assert.throws(() => read(text), (err: unknown) => isVolError(err, 'INVALID_ARG') && err.message.startsWith('config file /etc/vol.toml: ') && err.message.includes(phrase));

  test('reads the keys vol uses', () => {
    const c = read('[engine]\nvolume_path = "/srv/v"\nvolume_plugin_timeout = 7\nevents_max = 9\n[engine.volume_plugins]\ntp = "/run/tp.sock"\n[vol]\nxfs_project_base = 300\n');
    assert.deepEqual(c, { volumePath: '/srv/v', pluginTimeout: 7, eventsMax: 9, plugins: { tp: '/run/tp.sock' }, xfsProjectBase: 300, warnings: [] });
  });

  test('wrong types name the key and the type expected and got', () => {
    refused('[engine]\nvolume_path = 5\n', 'engine.volume_path must be an absolute path (a string starting with /), not the integer 5');
    refused('[engine]\nevents_max = "5"\n', 'engine.events_max must be a whole number of events from 1 to 9007199254740991, not the string "5"');
    refused('[engine]\nvolume_plugin_timeout = true\n', 'engine.volume_plugin_timeout must be a whole number of seconds from 1 to 2147483, not the boolean true');
    refused('[engine]\nvolume_plugin_timeout = 2147484\n', 'engine.volume_plugin_timeout must be a whole number of seconds from 1 to 2147483');
    refused('[engine]\nvolume_plugins = ["a"]\n', 'engine.volume_plugins must be a table of NAME = "/path/to/socket", not an array ["a"]');
    refused('[engine.volume_plugins]\nx = "rel.sock"\n', 'engine.volume_plugins.x must be the absolute path of a unix socket, not the string "rel.sock"');
  });

  test('unknown keys are warnings, containers.conf keys are not', () => {
    assert.deepEqual(read('[engine]\nvolume_paht = "/x"\nnum_locks = 2048\n[vol]\nfoo = 1\nbar = 2\n[machine]\ncpus = 2\n').warnings, [
      'config file /etc/vol.toml: unknown key in [engine]: volume_paht: ignored',
      'config file /etc/vol.toml: unknown keys in [vol]: foo, bar: ignored',
    ]);
  });
});
