import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { maskRun, type MaskedRun } from '../fixtures/podman-format/mask.ts';
import { removeTemp, vol } from '../helpers/vol.ts';

// Expected outputs were generated once with Podman 4.3.1 (scripts/podman-format-fixtures.ts) for the
// same volumes; each case runs here through vol and must match byte for byte once masked alike.
const DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'podman-format');
const spec = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { volumes: string[][] };
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as ({ args: string[] } & MaskedRun)[];

describe('templates, tables and values as Podman 4.3.1 prints them (fixtures)', () => {
  let root = '';
  before(() => {
    // The same prefix as the Podman root the fixtures were made with, so padded columns line up alike.
    root = mkdtempSync('/tmp/vol-fmt-');
    for (const v of spec.volumes) {
      const r = vol(root, v);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => removeTemp(root));

  for (const c of expected) {
    test(`vol ${c.args.join(' ')}`, () => {
      const got = maskRun(vol(root, c.args), root);
      assert.deepEqual(got, { code: c.code, stdout: c.stdout, stderr: c.stderr });
    });
  }
});
