// End-to-end tests of `vol events`: what each command records, event by event.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startTestPlugin } from '../helpers/test-plugin.ts';
import { vol, volAsync, type VolRun } from '../helpers/vol.ts';
import { mountsAt } from './mount-support.ts';
import { assertOk, create } from './support.ts';
import { assertEvents, assertWellFormed, events, failsWithoutEvent, parseJsonLines, root, temp, type Ev, type Expected } from './events-support.ts';
import { dataDir } from '../helpers/e2e.ts';

describe('events: what each command records', () => {
  test('a sequence of commands records exactly its events, in order, with their fields; failed commands record none', () => {
    const started = Date.now();
    const expected: Expected[] = [];
    const LAB = { env: 'prod', team: 'a' };
    /** Runs a command that must succeed and record exactly `recorded` (appended to what came before). */
    const step = (args: string[], ...recorded: Expected[]) => {
      const r = vol(root(), args);
      assertOk(r);
      expected.push(...recorded);
      assertEvents(events(), expected, `after vol ${args.join(' ')}`);
    };

    step(['create', '-l', 'env=prod', '-l', 'team=a', 'lab'], { type: 'create', volume: 'lab', labels: LAB });
    step(['create', 'plain'], { type: 'create', volume: 'plain' });
    step(['create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', 'tm'], { type: 'create', volume: 'tm' });
    step(['mount', 'tm', '--holder', 'h1'], { type: 'mount', volume: 'tm', holder: 'h1' });
    assert.equal(mountsAt(dataDir(root(), 'tm')), 1);
    step(['unmount', 'tm', '--holder', 'h1'], { type: 'unmount', volume: 'tm', holder: 'h1' });
    assert.equal(mountsAt(dataDir(root(), 'tm')), 0);
    step(['mount', 'tm'], { type: 'mount', volume: 'tm' });
    step(['unmount', 'tm'], { type: 'unmount', volume: 'tm' });

    writeFileSync(join(dataDir(root(), 'lab'), 'hello.txt'), 'hi\n');
    const tar = join(temp('vol-events-tar-'), 'lab.tar');
    step(['export', 'lab', '-o', tar], { type: 'export', volume: 'lab', labels: LAB });
    step(['import', 'plain', tar], { type: 'import', volume: 'plain' });
    assert.equal(readFileSync(join(dataDir(root(), 'plain'), 'hello.txt'), 'utf8'), 'hi\n');
    step(['rm', 'plain'], { type: 'remove', volume: 'plain' });
    step(['mount', 'tm', '--holder', 'h2'], { type: 'mount', volume: 'tm', holder: 'h2' });

    // Refused or failed: exit codes as the contract fixes them, and nothing recorded.
    failsWithoutEvent(['rm', 'tm'], 2);
    failsWithoutEvent(['create', 'bad name!'], 125);
    failsWithoutEvent(['create', '--no-such-option', 'x'], 125);
    failsWithoutEvent(['create', '-o', 'size=abc', 'x'], 125);
    failsWithoutEvent(['create', 'lab'], 125);
    failsWithoutEvent(['rm', 'missing'], 1);
    failsWithoutEvent(['unmount', 'tm', '--holder', 'nobody'], 125);
    failsWithoutEvent(['import', 'missing', tar], 125);
    failsWithoutEvent(['export', 'missing', '-o', `${tar}.2`], 125);
    // `create --ignore` of an existing volume changes nothing, so it records nothing.
    const before = events();
    assertOk(vol(root(), ['create', '--ignore', 'lab']), 'lab\n');
    assert.deepEqual(events(), before, 'create --ignore of an existing volume wrote an event');

    step(['unmount', 'tm', '--holder', 'h2'], { type: 'unmount', volume: 'tm', holder: 'h2' });
    const pruneRun = vol(root(), ['prune', '-f']);
    assertOk(pruneRun);
    assert.deepEqual(pruneRun.stdout.split('\n').filter((l) => l !== '').sort(), ['lab', 'tm']);
    const all = events();
    // prune writes one event per removed volume; their order between themselves is not fixed.
    const pruned = all.slice(expected.length);
    assert.deepEqual(pruned.map((e) => `${e.Type} ${e.Volume}`).sort(), ['prune lab', 'prune tm']);
    const pruneExpected = pruned.map((e): Expected => (e.Volume === 'lab' ? { type: 'prune', volume: 'lab', labels: LAB } : { type: 'prune', volume: 'tm' }));
    expected.push(...pruneExpected);
    assertEvents(all, expected, 'after prune -f');
    assertWellFormed(all, started);

    // One process per command: every event before prune has its own pid; prune's two share one.
    const pids = all.slice(0, -2).map((e) => e.PID);
    assert.equal(new Set(pids).size, pids.length, `pids repeat: ${pids.join(' ')}`);
    assert.equal(all.at(-1)!.PID, all.at(-2)!.PID, 'the two prune events come from one process');
    assert.ok(!pids.includes(all.at(-1)!.PID));
    // mount and unmount say how many mounts are left.
    assert.deepEqual(
      all.filter((e) => e.Type === 'mount' || e.Type === 'unmount').map((e) => e.Attributes.mountCount),
      [1, 0, 1, 0, 1, 0],
    );
  });

  test('prune drops a holder whose process is gone and records that unmount, then the prune', async () => {
    create(root(), 'gone', '-o', 'type=tmpfs', '-o', 'device=tmpfs');
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    assertOk(vol(root(), ['mount', 'gone', '--holder', 'job', '--pid', String(child.pid)]));
    child.kill('SIGKILL');
    await exited;
    assertOk(vol(root(), ['prune', '-f']), 'gone\n');
    const evs = events();
    assert.deepEqual(
      evs.map((e) => `${e.Type} ${e.Volume}`),
      ['create gone', 'mount gone', 'unmount gone', 'prune gone'],
    );
    assert.equal(evs[1]!.Attributes.holder, 'job');
    assert.equal(evs[1]!.Attributes.pid, child.pid);
    assert.deepEqual(evs[2]!.Attributes.holders, ['job']);
    assert.equal(evs[2]!.PID, evs[3]!.PID);
  });

  test('plugin volumes: create, reload (added and removed, per plugin) and remove record the plugin', async () => {
    const plugin = await startTestPlugin({ name: 'tp' });
    try {
      const run = async (...args: string[]): Promise<VolRun> => {
        const r = await volAsync(root(), ['--volume-plugin', `tp=${plugin.socket}`, ...args]);
        assert.equal(r.stderr, '', `vol ${args.join(' ')}: stderr`);
        assert.equal(r.code, 0, `vol ${args.join(' ')}: exit code`);
        return r;
      };
      const jsonEvents = async (): Promise<Ev[]> => parseJsonLines((await run('events', '--format', 'json')).stdout);
      await run('create', '--driver', 'tp', '-l', 'k=v', 'pv');
      plugin.addVolume('extra1');
      plugin.addVolume('extra2');
      assert.equal((await run('reload')).stdout, 'Added:\nextra1\nextra2\n');
      plugin.forget('extra1');
      assert.equal((await run('reload')).stdout, 'Removed:\nextra1\n');
      // In sync: nothing changes, nothing is recorded.
      assert.equal((await run('reload')).stdout, '');
      await run('rm', 'pv');
      const evs = await jsonEvents();
      assertEvents(evs, [
        { type: 'create', volume: 'pv', driver: 'tp', labels: { k: 'v' } },
        { type: 'reload', volume: 'extra1', driver: 'tp' },
        { type: 'reload', volume: 'extra2', driver: 'tp' },
        { type: 'reload', volume: 'extra1', driver: 'tp' },
        { type: 'remove', volume: 'pv', driver: 'tp', labels: { k: 'v' } },
      ]);
      assert.deepEqual(
        evs.map((e) => [e.Attributes.plugin, e.Attributes.action]),
        [
          ['tp', undefined],
          ['tp', 'added'],
          ['tp', 'added'],
          ['tp', 'removed'],
          ['tp', undefined],
        ],
      );
      assert.equal(evs[1]!.PID, evs[2]!.PID, 'one reload, one process');
      assert.notEqual(evs[2]!.PID, evs[3]!.PID);
    } finally {
      await plugin.close();
    }
  });
});

/** Labelled volumes for the filter tests: a env=prod, b env=dev (removed), c tier=web, d none (removed), e env=prod+tier=web. */
