// The config file: every key type-checked, unknown keys warned about, relative paths refused.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { assertFails, assertOk } from './support.ts';

let dir = '';
let root = '';
let conf = '';
beforeEach(() => {
  dir = makeTemp('vol-bconfig-');
  root = join(dir, 'root');
  conf = join(dir, 'vol.toml');
});
afterEach(() => removeTemp(dir));

const write = (text: string): string => (writeFileSync(conf, text), conf);

describe('a key of the wrong type is an error naming the file, the key and the expected type', () => {
  const cases: Array<[string, string, string]> = [
    ['[engine]\nvolume_path = 5\n', 'engine.volume_path', 'must be an absolute path'],
    ['[engine]\nevents_max = "5"\n', 'engine.events_max', 'must be a whole number of events'],
    ['[engine]\nvolume_plugin_timeout = true\n', 'engine.volume_plugin_timeout', 'must be a whole number of seconds'],
    ['[engine]\nvolume_plugin_timeout = 0\n', 'engine.volume_plugin_timeout', 'from 1 to'],
    ['[engine]\nvolume_plugin_timeout = 2.5\n', 'engine.volume_plugin_timeout', 'must be a whole number of seconds'],
    ['[engine]\nvolume_plugins = ["a"]\n', 'engine.volume_plugins', 'must be a table of NAME = "/path/to/socket"'],
    ['[engine.volume_plugins]\ntp = 5\n', 'engine.volume_plugins.tp', 'must be the absolute path of a unix socket'],
    ['[engine]\nvolume_path = "relative/volumes"\n', 'engine.volume_path', 'must be an absolute path'],
    ['[engine.volume_plugins]\ntp = "run/tp.sock"\n', 'engine.volume_plugins.tp', 'must be the absolute path'],
    ['[vol]\nxfs_project_base = "7"\n', 'vol.xfs_project_base', 'must be a project id'],
    ['engine = 5\n', 'engine', 'must be a table'],
    ['[engine]\nvolume_path = 1979-05-27T07:32:00Z\n', 'engine.volume_path', 'not a date-time'],
  ];
  for (const [text, key, expected] of cases) {
    test(JSON.stringify(text), () => {
      for (const args of [['ls'], ['create', 'x'], ['info']]) {
        assertFails(vol(root, ['--config', write(text), ...args]), 125, [`config file ${conf}: ${key} `, expected]);
      }
      assert.equal(existsSync(root), false, 'nothing was made');
    });
  }
});

describe('unknown keys', () => {
  test('a misspelt key in [engine] or [vol] is a warning naming it; the command still works', () => {
    write('[engine]\nvolume_paht = "/srv/x"\nevents_max = 10\n[vol]\nxfs_project_bse = 1\n');
    const r = vol(root, ['--config', conf, 'create', 'a']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'a\n');
    assert.equal(
      r.stderr,
      `Warning: config file ${conf}: unknown key in [engine]: volume_paht: ignored\nWarning: config file ${conf}: unknown key in [vol]: xfs_project_bse: ignored\n`,
    );
  });

  test("containers.conf keys vol does not use, and sections it does not read, pass silently", () => {
    write('[containers]\nlog_driver = "k8s-file"\n[engine]\ncgroup_manager = "systemd"\nevents_logger = "file"\n[engine.runtimes]\ncrun = ["/usr/bin/crun"]\n[network]\nnetwork_backend = "netavark"\n');
    assertOk(vol(root, ['--config', conf, 'ls']), '');
  });

  test('a key outside any section is a warning', () => {
    write('volume_path = "/srv/x"\n');
    const r = vol(root, ['--config', conf, 'ls']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^Warning: config file [^\n]*: unknown key volume_path outside any section[^\n]*\n$/);
  });
});

describe('vol info shows which config file was read', () => {
  test('the table and JSON name the file; without one they say so', () => {
    write('[engine]\nevents_max = 10\n');
    const table = vol(root, ['--config', conf, 'info']);
    assertOk(table);
    assert.match(table.stdout, new RegExp(`^ConfigFile: +${conf.replace(/[.]/g, '\\.')}$`, 'm'));
    const json = vol(root, ['info', '--format', 'json'], { env: { VOL_CONFIG: conf } });
    assertOk(json);
    assert.equal((JSON.parse(json.stdout) as { ConfigFile: string }).ConfigFile, conf);
    const none = vol(root, ['info', '--format', '{{.ConfigFile}}']);
    assertOk(none, '\n');
  });

  test("--config '' is an error, not no file", () => {
    assertFails(vol(root, ['--config', '', 'ls']), 125, ['--config ""']);
  });
});
