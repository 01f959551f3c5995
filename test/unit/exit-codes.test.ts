// Every exit code comes from one table: errors by command and code, and a command's "no".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VolError } from '../../src/core/errors.ts';
import { exitCodeFor } from '../../src/cli/exit-codes.ts';
import type { CommandResult } from '../../src/cli/result.ts';

const result = (errors: Error[], more: Partial<CommandResult> = {}): CommandResult => ({ stdout: '', errors, ...more });
const err = (code: ConstructorParameters<typeof VolError>[0]) => new VolError(code, 'x');

test('no errors is 0; a "no" is the command\'s own code', () => {
  assert.equal(exitCodeFor('ls', result([])), 0);
  assert.equal(exitCodeFor('exists', result([], { no: true })), 1);
  assert.equal(exitCodeFor('check', result([], { no: true })), 1);
  assert.equal(exitCodeFor('', undefined), 0);
});

test('rm maps missing and in-use volumes; the most serious error wins', () => {
  assert.equal(exitCodeFor('rm', result([err('NO_SUCH_VOLUME')])), 1);
  assert.equal(exitCodeFor('rm', result([err('NO_SUCH_VOLUME'), err('VOLUME_IN_USE')])), 2);
  assert.equal(exitCodeFor('rm', result([err('VOLUME_IN_USE'), err('IO_FAILED'), err('NO_SUCH_VOLUME')])), 125);
});

test('every other error, a bug or an error shown in stdout is 125', () => {
  assert.equal(exitCodeFor('inspect', result([err('NO_SUCH_VOLUME')])), 125);
  assert.equal(exitCodeFor('rm', result([new Error('bug')])), 125);
  assert.equal(exitCodeFor('reload', result([err('PLUGIN_FAILED')], { errorsInStdout: true })), 125);
  assert.equal(exitCodeFor('exists', result([err('IO_FAILED')], { no: true })), 125);
});
