// stdout that goes away or fills up: EPIPE ends quietly with 141, ENOSPC is one Error line and 125.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startTestPlugin } from '../helpers/test-plugin.ts';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN } from '../helpers/vol.ts';
import { assertOk } from './support.ts';

const VOLUMES = 2000;
const RUNS = 20;
const POPULATE = resolve(import.meta.dirname, 'boundary-populate.ts');
const NO_SPACE = 'Error: writing to stdout: no space left on device\n';

let dir = '';
let root = '';
before(() => {
  dir = makeTemp('vol-bstdout-');
  root = join(dir, 'root');
  // 2,000 volumes with long names: `ls` prints about 170 KB, more than a pipe holds, so the writer must meet the closed pipe.
  const made = spawnSync(process.execPath, ['--import', 'tsx', POPULATE, root, String(VOLUMES)], { encoding: 'utf8', env: childEnv() });
  assert.equal(made.status, 0, made.stderr);
});
after(() => removeTemp(dir));

/** Runs a shell pipeline with `vol` standing for `bin/vol --root ROOT`, under pipefail. */
function shell(script: string): { code: number | null; stderr: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8', env: childEnv({ VOL: `${VOL_BIN} --root ${root}` }) });
  return { code: r.status, stderr: r.stderr };
}

/** Runs vol with its stdout a pipe whose reader is closed before vol starts: every write meets EPIPE. */
function closedReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(VOL_BIN, ['--root', root, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('the reader of stdout goes away', () => {
  test(`vol ls | head -1 over ${VOLUMES} volumes: exit 141 and an empty stderr, ${RUNS} runs`, () => {
    for (let i = 0; i < RUNS; i++) assert.deepEqual(shell('$VOL ls | head -1 >/dev/null'), { code: 141, stderr: '' }, `run ${i + 1}`);
  });

  test('inspect --all, ls --format json and events | head -1: 141, nothing on stderr', () => {
    for (const cmd of ['inspect --all', 'ls --format json', 'events']) {
      assert.deepEqual(shell(`$VOL ${cmd} | head -1 >/dev/null`), { code: 141, stderr: '' }, cmd);
    }
  });

  test('export to a reader that stops: 141, the volume unchanged', () => {
    const name = vol(root, ['ls', '-q']).stdout.split('\n')[0]!;
    writeFileSync(join(root, 'volumes', name, '_data', 'big'), Buffer.alloc(4 * 1024 * 1024, 1));
    assert.deepEqual(shell(`$VOL export ${name} | head -c 100 >/dev/null`), { code: 141, stderr: '' });
    assertOk(vol(root, ['exists', name]));
  });

  test('events --follow ends with 141 once its reader has gone', async () => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', '$VOL events --follow | head -c 1 >/dev/null'], { env: childEnv({ VOL: `${VOL_BIN} --root ${root}` }) });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<number | null>((r) => child.on('close', r));
    try {
      for (let i = 0; i < 20 && child.exitCode === null; i++) {
        await sleep(300);
        assertOk(vol(root, ['create', `follow-${i}`]));
      }
      assert.equal(await done, 141);
      assert.equal(stderr, '');
    } finally {
      child.kill();
    }
  });

  test('reload --format json and info to a reader that is gone: 141', async () => {
    const plugin = await startTestPlugin();
    try {
      assert.deepEqual(await closedReader(['--volume-plugin', `tp=${plugin.socket}`, 'reload', '--format', 'json']), { code: 141, stderr: '' });
      assert.deepEqual(await closedReader(['info']), { code: 141, stderr: '' });
    } finally {
      await plugin.close();
    }
  });
});

describe('stdout is full (/dev/full)', () => {
  test('ls, inspect, events, export, info and reload --format json: one Error line, exit 125, nothing changed', async () => {
    const small = join(dir, 'small');
    assertOk(vol(small, ['create', 'keep']));
    writeFileSync(join(small, 'volumes', 'keep', '_data', 'f'), 'data');
    const full = (args: string) => spawnSync('bash', ['-c', `${VOL_BIN} --root ${small} ${args} >/dev/full`], { encoding: 'utf8', env: childEnv() });
    const plugin = await startTestPlugin();
    try {
      for (const cmd of ['ls', 'inspect keep', 'events', 'export keep', 'info', `--volume-plugin tp=${plugin.socket} reload --format json`]) {
        const r = full(cmd);
        assert.deepEqual([r.status, r.stderr], [125, NO_SPACE], cmd);
      }
    } finally {
      await plugin.close();
    }
    assertOk(vol(small, ['ls', '-q']), 'keep\n');
    assertOk(vol(root, ['exists', 'boundary-000001-' + 'x'.repeat(60)]));
  });
});
