import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { pickPayloadSource, readPayload } from '../../src/io/payload.js';

test.each([
  [{ message: 'hi' }, 'message'],
  [{ file: 'f.bin' }, 'file'],
  [{ stdinFile: true }, 'stdin'],
  [{ stdinLine: true }, 'lines'],
  [{ nullMessage: true }, 'null'],
])('%j -> %s', (flags, kind) => {
  expect(pickPayloadSource(flags, true).kind).toBe(kind);
});

test('exactly one source; the error lists -l and --jsonl only where the command has them', () => {
  expect(() => pickPayloadSource({}, true)).toThrow('give one of -m TEXT, -f FILE, -s, -l, --jsonl or -n');
  expect(() => pickPayloadSource({ stdinLine: true, jsonl: true }, true)).toThrow('got -l and --jsonl');
  expect(() => pickPayloadSource({}, false)).toThrow('give one of -m TEXT, -f FILE, -s or -n');
  expect(() => pickPayloadSource({ message: 'a', stdinFile: true, nullMessage: true }, true)).toThrow('got -m and -s and -n');
  expect(() => pickPayloadSource({ message: 'a', file: 'b' }, true)).toThrow(UsageError);
});

test('readPayload: text, empty, and an unreadable file as a usage error', async () => {
  expect((await readPayload({ kind: 'message', data: Buffer.from('x') })).toString()).toBe('x');
  expect((await readPayload({ kind: 'null' })).length).toBe(0);
  await expect(readPayload({ kind: 'file', path: '/nonexistent/file' })).rejects.toThrow("cannot read -f '/nonexistent/file': no such file");
});

describe('LineSplitter with a limit', () => {
  test('a line longer than the limit throws as soon as it is seen, split over chunks or not', async () => {
    const { LineSplitter, LineTooLongError } = await import('../../src/io/lines.js');
    const s = new LineSplitter(10);
    expect(s.push(Buffer.from('short\n0123456789\n')).map(String)).toEqual(['short', '0123456789']);
    expect(() => s.push(Buffer.from('0123456789A\n'))).toThrow(LineTooLongError);
    const t = new LineSplitter(10);
    t.push(Buffer.from('012345'));
    expect(() => t.push(Buffer.from('67890'))).toThrow('longer than 10 bytes');
  });
});
