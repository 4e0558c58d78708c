import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { compileFormat, parseTemplate, PLAIN_STYLE, toJsonObject, type ReceivedMessage } from '../../src/io/format.js';
import { LineSplitter } from '../../src/io/lines.js';
import { watchScreen } from '../../src/io/watch-view.js';

const at = new Date('2026-01-02T03:04:05.678Z');
const msg = (over: Partial<ReceivedMessage> = {}): ReceivedMessage => ({
  topic: 'a/b',
  payload: Buffer.from('hello'),
  qos: 1,
  retain: false,
  dup: false,
  messageId: 7,
  properties: undefined,
  receivedAtMs: at.getTime(),
  ...over,
});
const fmt = (f: string, newline = true, pretty = false) => {
  const format = compileFormat(f, { newline, pretty, style: PLAIN_STYLE });
  return (m: ReceivedMessage): Buffer => {
    const out = format(m);
    return Buffer.isBuffer(out) ? out : Buffer.concat(out as Buffer[]);
  };
};

describe('named formats', () => {
  test('raw', () => expect(fmt('raw')(msg()).toString()).toBe('hello\n'));
  test('raw without newline keeps bytes exact', () => {
    const payload = Buffer.from([0, 255, 10, 13]);
    expect(fmt('raw', false)(msg({ payload }))).toEqual(payload);
  });
  test('verbose', () => expect(fmt('verbose')(msg()).toString()).toBe('a/b hello\n'));
  test('hex and base64', () => {
    expect(fmt('hex')(msg()).toString()).toBe('68656c6c6f\n');
    expect(fmt('base64')(msg()).toString()).toBe('aGVsbG8=\n');
  });
  test('jsonl: one line, text payload', () => {
    const line = fmt('jsonl')(msg()).toString();
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trim().includes('\n')).toBe(false);
    expect(JSON.parse(line)).toEqual({ topic: 'a/b', payload: 'hello', qos: 1, retain: false, dup: false, mid: 7, receivedAt: at.toISOString() });
  });
  test('jsonl: binary payload is base64 with an encoding field', () => {
    const o = JSON.parse(fmt('jsonl')(msg({ payload: Buffer.from([0xff, 0xfe]) })).toString());
    expect(o).toMatchObject({ payload: '//4=', encoding: 'base64' });
  });
  test('jsonl: MQTT 5 properties', () => {
    const o = toJsonObject(
      msg({
        properties: {
          contentType: 'text/plain',
          responseTopic: 'r',
          correlationData: Buffer.from('c1'),
          messageExpiryInterval: 9,
          userProperties: { k: 'v' },
        },
      }),
    );
    expect(o['properties']).toEqual({ contentType: 'text/plain', responseTopic: 'r', correlationData: 'c1', messageExpiryInterval: 9, userProperties: { k: 'v' } });
  });
  test('--pretty indents a JSON object or array payload in raw and verbose output; any other payload is left as it is', () => {
    const m = msg({ payload: Buffer.from('{"t":1,"a":[2]}') });
    expect(fmt('verbose', true, true)(m).toString()).toBe('a/b {\n  "t": 1,\n  "a": [\n    2\n  ]\n}\n');
    expect(fmt('raw', true, true)(m).toString()).toBe('{\n  "t": 1,\n  "a": [\n    2\n  ]\n}\n');
    for (const p of ['42', '"s"', '{not json', 'plain text']) expect(fmt('raw', true, true)(msg({ payload: Buffer.from(p) })).toString()).toBe(`${p}\n`);
    expect(fmt('verbose')(m).toString()).toBe('a/b {"t":1,"a":[2]}\n');
  });
  test('jsonl --pretty indents and keeps the shape: the payload stays a string, as without it', () => {
    const m = msg({ payload: Buffer.from('{"t":1}') });
    const pretty = fmt('jsonl', true, true)(m).toString();
    expect(pretty).toContain('\n  "payload": "{\\"t\\":1}",\n');
    expect(JSON.parse(pretty)).toEqual(JSON.parse(fmt('jsonl')(m).toString()));
  });
  test('%J embeds a JSON payload as a value', () => {
    expect(JSON.parse(fmt('%J')(msg({ payload: Buffer.from('{"t":1}') })).toString())['payload']).toEqual({ t: 1 });
  });
});

describe('templates', () => {
  test.each([
    ['%t %p', 'a/b hello'],
    ['%t\\t%q %r %m %l', 'a/b\t1 0 7 5'],
    ['%x|%X|%b', '68656c6c6f|68656C6C6F|aGVsbG8='],
    ['%I', at.toISOString()],
    ['%U', '1767323045.678000000'],
    ['100%%', '100%'],
    ['%C|%R|%E', '||'],
  ])('%j', (template, expected) => expect(fmt(template, false)(msg()).toString()).toBe(expected));
  test('%j is the JSON object', () => expect(JSON.parse(fmt('%j', false)(msg()).toString()).topic).toBe('a/b'));
  test('%P lists user properties', () => {
    expect(fmt('%P', false)(msg({ properties: { userProperties: { a: '1', b: ['2', '3'] } } })).toString()).toBe('a:1 b:2 b:3');
  });
  test('\\0 for xargs -0', () => expect(fmt('%p\\0', false)(msg())).toEqual(Buffer.from('hello\0')));
  test.each(['%Z', '%', 'x\\', '\\q'])('bad template %j is a usage error', (t) => expect(() => fmt(t)).toThrow(UsageError));
  test('a word that is neither a format nor a template', () => expect(() => fmt('json')).toThrow(/unknown -F format 'json'/));
  test('the parser never throws anything but UsageError (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      try {
        parseTemplate(s);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
      }
    }));
  });
  test('text without specifiers round-trips (property)', () => {
    fc.assert(fc.property(fc.string().filter((s) => !/[%@\\]/.test(s)), (s) => {
      expect(fmt(`%p${s}`, false)(msg()).toString()).toBe(`hello${s}`);
    }));
  });
});

describe('LineSplitter', () => {
  test('splits across chunks, keeps an unterminated last line, keeps empty lines', () => {
    const s = new LineSplitter();
    const lines = [...s.push(Buffer.from('a\nb')), ...s.push(Buffer.from('c\n\nd'))].map(String);
    expect(lines).toEqual(['a', 'bc', '']);
    expect(s.end()?.toString()).toBe('d');
    expect(s.end()).toBeUndefined();
  });
  test('any chunking gives the same lines (property)', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary-ascii' })), fc.array(fc.nat(20)), (parts, cuts) => {
      const text = parts.join('\n');
      const whole = Buffer.from(text);
      const s = new LineSplitter();
      const got: string[] = [];
      let at = 0;
      for (const c of cuts) {
        got.push(...s.push(whole.subarray(at, at + c)).map(String));
        at += c;
      }
      got.push(...s.push(whole.subarray(at)).map(String));
      const last = s.end();
      if (last !== undefined) got.push(last.toString());
      const expected = text.split('\n');
      if (expected[expected.length - 1] === '') expected.pop();
      expect(got).toEqual(expected);
    }));
  });
});

describe('decoded payloads (--decode)', () => {
  const decoded = msg({ payload: Buffer.from([0xa1, 0x61, 0x61, 0x01]), decoded: { encoding: 'cbor', value: { a: 1 } } });
  const fmt = (f: string, pretty = false) => compileFormat(f, { newline: true, pretty, style: PLAIN_STYLE });
  const text = (f: string, pretty = false): string => {
    const out = fmt(f, pretty)(decoded);
    return Buffer.isBuffer(out) ? out.toString() : Buffer.concat(out as Buffer[]).toString();
  };
  test('jsonl: the value under payload, the codec under encoding; --pretty only indents', () => {
    expect(JSON.parse(text('jsonl'))).toMatchObject({ payload: { a: 1 }, encoding: 'cbor' });
    expect(JSON.parse(text('jsonl', true))).toEqual(JSON.parse(text('jsonl')));
  });
  test('raw and %p print the value as JSON; hex, %x and %l still show the bytes', () => {
    expect(text('raw')).toBe('{"a":1}\n');
    expect(text('%p|%l|%x')).toBe('{"a":1}|4|a1616101\n');
    expect(text('hex')).toBe('a1616101\n');
    expect(text('raw', true)).toBe('{\n  "a": 1\n}\n');
  });
  test('binary correlation data is marked base64, so a replay restores the bytes', () => {
    const o = toJsonObject(msg({ properties: { correlationData: Buffer.from([0xff, 0x00]) } }));
    expect(o['properties']).toEqual({ correlationData: '/wA=', correlationDataEncoding: 'base64' });
  });
});

describe('mosquitto_sub field widths and @ time specifiers', () => {
  const at = Date.UTC(2026, 10, 26, 9, 5, 7, 42);
  const m = msg({ topic: 'plant/line1/temp', payload: Buffer.from('hello world'), messageId: 7, receivedAtMs: at });
  const out = (f: string): string => {
    const r = compileFormat(f, { newline: false, pretty: false, style: PLAIN_STYLE })(m);
    return Buffer.isBuffer(r) ? r.toString() : Buffer.concat(r as Buffer[]).toString();
  };
  test('width pads, - pads on the right, 0 pads with zeros, precision cuts', () => {
    expect(out('|%20t|')).toBe('|    plant/line1/temp|');
    expect(out('|%-20t|')).toBe('|plant/line1/temp    |');
    expect(out('|%.5p|%8.3p|')).toBe('|hello|     hel|');
    expect(out('|%05m|%-4l|%3q|')).toBe('|00007|11  |  1|');
    expect(out('|%.4x|')).toBe('|6865|');
  });
  test('@ specifiers format the receive time (local time; UTC in this test), @N its nanoseconds, @@ an @', () => {
    expect(process.env['TZ'] === undefined || process.env['TZ'] === 'UTC' ? out('@Y-@m-@d @H:@M:@S.@N @z @s @@') : 'skip').toMatch(
      /^(2026-11-26 09:05:07\.042000000 \+0000 1795683907 @|skip)$/,
    );
    expect(out('@F')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(() => parseTemplate('@q')).toThrow("unknown -F time specifier '@q'");
    expect(() => parseTemplate('%10')).toThrow("-F template ends inside the specifier '%10'");
    expect(() => parseTemplate('%-5y')).toThrow("unknown -F specifier '%-5y'");
  });
});

describe('--watch screen', () => {
  test('topics in order, each line cut to the width, a footer when the rows run out', () => {
    const lines = new Map([['b', 'b 2'], ['a', 'a ' + 'x'.repeat(30)], ['c', 'c 1']]);
    const plain = (s: string): string[] => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n').filter((l) => l !== '');
    expect(plain(watchScreen(lines, 10, 12))).toEqual(['a xxxxxxxxx…', 'b 2', 'c 1']);
    expect(plain(watchScreen(lines, 3, 40))).toEqual(['a ' + 'x'.repeat(30), '2 more topics below (a taller terminal shows them)'.slice(0, 39) + '…']);
    expect(watchScreen(lines, 10, 12).startsWith('\x1b[H')).toBe(true);
  });
});
