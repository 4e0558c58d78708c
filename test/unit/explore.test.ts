import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import stringWidth from 'string-width';
import { commandFor } from '../../src/explore/commands.js';
import { decodeKeys } from '../../src/explore/keys.js';
import { HELP, detailLines, fit, frame, scrollFor, treeWidth, type Styles, type View } from '../../src/explore/layout.js';
import { jsonDiff, numbersOf, sampleOf, shownText, sparkline } from '../../src/explore/sample.js';
import { frameUpdate, shellWord } from '../../src/explore/screen.js';
import { TopicTree, compareLevels } from '../../src/explore/tree.js';
import type { ConnectionSpec } from '../../src/protocol/spec.js';

const V = { qos: 0 as const, retain: false, properties: undefined, encoding: undefined };
const sample = (text: string, at = 0) => sampleOf(Buffer.from(text), undefined, 4096, at);
const tree = (history = 10, totalSamples = 1_000_000) => new TopicTree({ history, totalSamples });

describe('the topic tree', () => {
  test('counts topics and messages at every level; children sorted, numbers by value', () => {
    const t = tree();
    for (const topic of ['a/10', 'a/2', 'a/b', 'a/2', 'c']) t.add(topic, V, sample('1'));
    expect(t.root.topics).toBe(4);
    expect(t.root.messages).toBe(5);
    expect(t.find('a')?.topics).toBe(3);
    expect(t.find('a')?.messages).toBe(4);
    expect(t.find('a')?.order).toEqual(['2', '10', 'b']);
    expect(t.rows().map((r) => r.node.path)).toEqual(['a', 'c']);
    t.expand(t.find('a')!);
    expect(t.rows().map((r) => r.node.path)).toEqual(['a', 'a/2', 'a/10', 'a/b', 'c']);
  });
  test('retained markers: a retained value counts, an empty retained payload (a deletion) takes it back', () => {
    const t = tree();
    t.add('x/y', { ...V, retain: true }, sample('v'));
    expect(t.root.retained).toBe(1);
    expect(t.retainedTopics(t.find('x')!, true)).toEqual(['x/y']);
    t.add('x/y', { ...V, retain: true }, sampleOf(Buffer.alloc(0), undefined, 10, 0));
    expect(t.root.retained).toBe(0);
    expect(t.retainedTopics(t.find('x')!, true)).toEqual([]);
  });
  test('a filter shows the matching topics and the way to them: a substring, or a wildcard filter', () => {
    const t = tree();
    for (const topic of ['plant/l1/temp', 'plant/l1/state', 'office/temp']) t.add(topic, V, sample('1'));
    t.setFilter('temp');
    expect(t.rows().map((r) => r.node.path)).toEqual(['office', 'office/temp', 'plant', 'plant/l1', 'plant/l1/temp']);
    t.setFilter('+/+/state');
    expect(t.rows().map((r) => r.node.path)).toEqual(['plant', 'plant/l1', 'plant/l1/state']);
    t.setFilter('');
    expect(t.rows().map((r) => r.node.path)).toEqual(['office', 'plant']);
  });
  test('rates: smoothed messages per second, back to zero when the topic goes quiet', () => {
    const t = tree();
    t.tick(0);
    for (let s = 1; s <= 60; s += 1) {
      for (let i = 0; i < 100; i += 1) t.add('r', V, sample('1'));
      t.tick(s * 1000);
    }
    expect(t.find('r')!.rate).toBeGreaterThan(95);
    for (let s = 61; s <= 200; s += 1) t.tick(s * 1000);
    expect(t.find('r')!.rate).toBe(0);
  });
  test('property: history is bounded per topic and in all, and every topic keeps its last value', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer()), { maxLength: 400 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 50 }), (msgs, perTopic, total) => {
        const t = tree(perTopic, total);
        const last = new Map<string, string>();
        for (const [topic, v] of msgs) {
          t.add(`t/${topic}`, V, sample(String(v)));
          last.set(`t/${topic}`, String(v));
        }
        let held = 0;
        for (const [topic, v] of last) {
          const n = t.find(topic)!;
          expect(n.history.length).toBeLessThanOrEqual(perTopic);
          expect(n.last?.text).toBe(v);
          held += n.history.length;
        }
        expect(held).toBeLessThanOrEqual(Math.max(total, last.size));
      }),
    );
  });
  test('levels sort numbers by value, then text', () => expect(['b', '10', 'a', '9'].sort(compareLevels)).toEqual(['9', '10', 'a', 'b']));
});

describe('samples', () => {
  test('kept as text cut to the limit; JSON shown indented; binary as hex', () => {
    expect(sampleOf(Buffer.from('x'.repeat(100)), undefined, 10, 0)).toMatchObject({ text: 'xxxxxxxxxx', bytes: 100, truncated: true });
    expect(shownText(sample('{"a":1}'))).toBe('{\n  "a": 1\n}');
    expect(sampleOf(Buffer.from([0, 1, 255]), undefined, 10, 0).text).toBe('hex 0001ff');
    expect(sampleOf(Buffer.from([1]), { value: { t: 1 } }, 100, 0).text).toBe('{"t":1}');
  });
  test('numbers: a number payload, or the numeric fields of an object', () => {
    expect(numbersOf(sample('21.5'))).toEqual(new Map([['', 21.5]]));
    expect(numbersOf(sample('{"t":1,"s":"x","h":2}'))).toEqual(new Map([['t', 1], ['h', 2]]));
    expect(numbersOf(sample('on'))).toBeUndefined();
  });
  test('sparkline and JSON difference', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5], 8)).toBe('▄▄');
    expect(jsonDiff({ a: 1, b: { c: 2 }, d: 0 }, { a: 1, b: { c: 3 }, e: true })).toEqual(['~ b.c: 2 → 3', '- d', '+ e: true']);
  });
});

describe('keys', () => {
  test('arrows in both cursor modes, pages, Enter, Backspace, control keys and text, several in one read', () => {
    expect(decodeKeys('\x1b[A\x1bOB\x1b[5~j\r\x7f\x03\x12\t').map((k) => (k.kind === 'char' ? k.char : k.kind))).toEqual(['up', 'down', 'pageUp', 'j', 'enter', 'backspace', 'ctrlC', 'ctrlR', 'tab']);
    expect(decodeKeys('\x1b')).toEqual([{ kind: 'escape' }]);
    expect(decodeKeys('\x1b[24~x')).toEqual([{ kind: 'char', char: 'x' }]);
  });
});

const PLAIN: Styles = { dim: (s) => s, bold: (s) => s, accent: (s) => s, warn: (s) => s, selected: (s) => s };

describe('the layout', () => {
  const t = tree();
  t.add('plant/line1/temp', { ...V, retain: true }, sample('21.5', 1000));
  t.add('plant/line1/temp', { ...V, retain: true }, sample('22.5', 2000));
  t.add('plant/name', V, sample('{"id":"日本語のプラント名","n":1}', 2000));
  t.expand(t.find('plant')!);
  t.expand(t.find('plant/line1')!);
  const view = (columns: number, rows: number): View => ({ columns, rows, title: 'mqtt://b:1883', state: 'connected', topics: 2, rate: 1, filter: '', tree: t.rows(), selected: 2, scroll: 0, detailScroll: 0, now: 3000, help: false, footer: undefined });
  test.each([
    [80, 24],
    [120, 40],
    [60, 10],
  ])('%ix%i: every line exactly the width, in display columns (wide characters too)', (columns, rows) => {
    const lines = frame(view(columns, rows), PLAIN);
    expect(lines).toHaveLength(rows);
    for (const l of lines) expect(stringWidth(l)).toBe(columns);
  });
  test('the detail of a topic: facts, value, chart, history', () => {
    const d = detailLines(t.find('plant/line1/temp'), 3000, 43);
    expect(d[0]).toBe('plant/line1/temp');
    expect(d).toContain('QoS 0 · retained · 4 bytes · 1 s ago');
    expect(d.some((l) => /^value: ▁█ 21\.5…22\.5$/.test(l))).toBe(true);
    expect(d).toContain('history (2, newest first):');
  });
  test('the help fits the right pane at 80 columns', () => {
    for (const l of HELP) expect(stringWidth(l)).toBeLessThanOrEqual(80 - treeWidth(80) - 1);
  });
  test('scrolling keeps the selection in view; fit pads and cuts', () => {
    expect(scrollFor(30, 0, 22)).toBe(9);
    expect(scrollFor(3, 10, 22)).toBe(3);
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abcdef', 4)).toBe('abc…');
  });
});

describe('the screen', () => {
  test('only changed lines are rewritten; a first frame or a new size redraws all', () => {
    expect(frameUpdate(['a', 'b'], ['a', 'c'])).toBe('\x1b[2;1Hc\x1b[0m');
    expect(frameUpdate(undefined, ['a'])).toBe('\x1b[2J\x1b[1;1Ha\x1b[0m');
    expect(frameUpdate(['a'], ['a', 'b'])).toContain('\x1b[2J');
  });
  test('the copied command: pub with the last value, or sub to the subtree; never the password', () => {
    const spec = { transport: 'mqtt', host: 'b', port: 1883, unixPath: undefined, username: 'alice', password: Buffer.from('secret'), path: '/mqtt' } as unknown as ConnectionSpec;
    const t = tree();
    t.add('a b/c', { ...V, qos: 1, retain: true }, sample("it's on"));
    expect(commandFor(spec, t.find('a b/c')!)).toBe("mqtt-tool pub -L mqtt://b:1883 -u alice -t 'a b/c' -m 'it'\\''s on' -q 1 -r");
    expect(commandFor(spec, t.find('a b')!)).toBe("mqtt-tool sub -L mqtt://b:1883 -u alice -t 'a b/#' -v");
    expect(shellWord('plain/topic')).toBe('plain/topic');
  });
});
