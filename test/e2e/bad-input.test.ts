import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';
import { lockEntries } from '../helpers/e2e.ts';
import { assertFails, entries } from './support.ts';

/** One bad command line: what must appear in the single error line. */
interface Row {
  args: string[];
  /** The bad value or key as typed (must appear in the error). */
  names: string;
  /** Contract phrases that must appear too. */
  phrases?: string[];
}

const NAME_RULE = 'names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*';
const LONG_NAME = 'long' + 'x'.repeat(296);

const nameRows: Row[] = [
  { args: ['create', '../x'], names: '../x', phrases: [NAME_RULE] },
  { args: ['create', 'a/b'], names: 'a/b', phrases: [NAME_RULE] },
  { args: ['create', '--', '-x'], names: '-x', phrases: [NAME_RULE] },
  { args: ['create', '.hidden'], names: '.hidden', phrases: [NAME_RULE] },
  { args: ['create', LONG_NAME], names: LONG_NAME.slice(0, 12) },
];

const optionRows: Row[] = [
  { args: ['create', '-o', 'bogus=1', 'v'], names: 'bogus', phrases: ["invalid mount option bogus for driver 'local'"] },
  { args: ['create', '-o', 'o=nodev', '-o', 'Quota', 'v'], names: 'Quota', phrases: ["invalid mount option Quota for driver 'local'"] },
  { args: ['create', '-l', '=v', 'v'], names: '=v', phrases: ['invalid label format'] },
  { args: ['create', '-o', '=x', 'v'], names: '=x' },
  { args: ['create', '--driver', 'nosuch', 'v'], names: 'nosuch', phrases: ['no volume plugin with name nosuch available'] },
];

const sizeRows: Row[] = ['abc', '-1', '1Q', '1.5.5G'].flatMap((s) =>
  ['size=', 'o=size='].map((prefix) => ({
    args: ['create', '-o', prefix + s, 'v'],
    names: s,
    phrases: [`cannot convert size ${s} to integer`],
  })),
);
sizeRows.push({ args: ['create', '-o', 'o=inodes=12x', 'v'], names: '12x', phrases: ['cannot convert inodes 12x to integer'] });

const idRows: Row[] = ['abc', '-5', ''].flatMap((value) =>
  ['uid', 'gid'].flatMap((key) =>
    ['', 'o='].map((prefix) => ({
      args: ['create', '-o', `${prefix}${key}=${value}`, 'v'],
      names: value === '' ? key : value,
      phrases: [value === '' ? `${key} option must provide a ${key.toUpperCase()}` : `cannot convert ${key.toUpperCase()} ${value} to integer`],
    })),
  ),
);

const filterRows: Row[] = [
  { args: ['ls', '--filter', 'nokey'], names: 'nokey' },
  { args: ['ls', '--filter', 'bogus=1'], names: 'bogus', phrases: ['"bogus" is an invalid volume filter'] },
  { args: ['ls', '--filter', 'name=['], names: '[' },
  { args: ['ls', '--filter', 'until=notatime'], names: 'notatime' },
  { args: ['ls', '--filter', 'dangling=maybe'], names: 'maybe', phrases: ['"maybe" is not a valid value for the "dangling" filter'] },
];

const templateRows: Row[] = [
  { args: ['ls', '--format', '{{.Name'], names: "bad character U+007B '{'", phrases: ['template: ls:1:'] },
  { args: ['ls', '--format', '{{.Nope}}'], names: 'Nope' },
  { args: ['inspect', '--format', '{{.Nope}}', 'base'], names: 'Nope' },
];

const ROWS = [...nameRows, ...optionRows, ...sizeRows, ...idRows, ...filterRows, ...templateRows];

/** Runs one row in its own root that already holds the volume `base`. */
async function checkRow(row: Row): Promise<void> {
  const root = makeTemp('vol-e2e-bad-');
  try {
    const setup = await volAsync(root, ['create', 'base']);
    assert.equal(setup.code, 0, setup.stderr);
    const r = await volAsync(root, row.args);
    assertFails(r, 125, [row.names, ...(row.phrases ?? [])]);
    assert.deepEqual(entries(join(root, 'volumes')), ['base'], 'new entries under <root>/volumes');
    assert.deepEqual(lockEntries(root), [], 'locks left behind');
    const ls = await volAsync(root, ['ls', '-q']);
    assert.equal(ls.stdout, 'base\n');
    assert.equal(ls.code, 0);
  } finally {
    removeTemp(root);
  }
}

describe('bad input exits 125 with one error naming it, and leaves nothing behind', { concurrency: 8 }, () => {
  for (const row of ROWS) {
    test(`vol ${row.args.map((a) => (a.length > 24 ? a.slice(0, 12) + '…' : JSON.stringify(a))).join(' ')}`, () => checkRow(row));
  }
});
