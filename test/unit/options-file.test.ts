/** -o FILE: mosquitto's options-file format. */
import { expect, test } from 'vitest';
import { findOptionsFile, parseOptionsFile } from '../../src/config/options-file.js';
import { UsageError } from '../../src/errors.js';

test('one flag per line, its value the rest of the line; comments and blank lines skipped', () => {
  expect(parseOptionsFile('# broker\n-h broker.local\n\n  -p   8883\n--cafile /etc/my ca.pem\n-r\n', 'f')).toEqual(['-h', 'broker.local', '-p', '8883', '--cafile', '/etc/my ca.pem', '-r']);
});

test('a line that is not a flag, or another -o, is a usage error naming the line', () => {
  expect(() => parseOptionsFile('-h x\nbroker.local\n', 'opts')).toThrow(UsageError);
  expect(() => parseOptionsFile('-h x\nbroker.local\n', 'opts')).toThrow("opts:2: expected a flag");
  expect(() => parseOptionsFile('-o other\n', 'opts')).toThrow('opts:1: an options file cannot name another one');
});

test('finding -o in the arguments, not after --', () => {
  expect(findOptionsFile(['-t', 'a', '-o', 'f', '-m', 'x'])).toEqual({ index: 2, length: 2, file: 'f' });
  expect(findOptionsFile(['--options-file=g'])).toEqual({ index: 0, length: 1, file: 'g' });
  expect(findOptionsFile(['-t', 'a', '--', '-o', 'f'])).toBeUndefined();
  expect(() => findOptionsFile(['-o'])).toThrow('-o needs a file name');
});
