import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize, parseUint } from '../../src/local/size.ts';

test('parseSize: binary suffixes, decimal KB..TB, plain bytes', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['512', 512],
    ['1k', 1024],
    ['1K', 1024],
    ['1KiB', 1024],
    ['1kib', 1024],
    ['512m', 512 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['1g', 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['1.5GiB', 1610612736],
    ['1t', 1024 ** 4],
    ['1KB', 1000],
    ['1MB', 1000 ** 2],
    ['1GB', 1000 ** 3],
    ['1TB', 1000 ** 4],
    ['10b', 10],
    ['10B', 10],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSize(text), bytes, text);
});

test('parseSize: rejects what is not a size', () => {
  for (const text of ['', 'abc', '-1', '1Q', '1.5.5G', 'G', '1 G B', '1i', '1e3', '99999999999999999999G']) {
    assert.equal(parseSize(text), undefined, text);
  }
});

test('parseUint: digits only', () => {
  assert.equal(parseUint('0'), 0);
  assert.equal(parseUint('1000'), 1000);
  for (const text of ['', '-1', '1.0', 'x', ' 1']) assert.equal(parseUint(text), undefined, text);
});
