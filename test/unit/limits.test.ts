import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { largestPassing } from '../../src/diagnose/limits-search.js';
import { consequence, disagreement, limitJson, measuredText, type LimitsRun } from '../../src/report/limits-model.js';
import { limitsJson, renderLimits } from '../../src/report/limits-render.js';

const forever = { probes: 64, inTime: () => true };

describe('largestPassing', () => {
  test('property: finds the exact limit of a made-up broker in about log2(range) probes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1 << 20 }), fc.integer({ min: 1, max: 1 << 20 }), async (limit, max) => {
        let probes = 0;
        const s = await largestPassing(1, max, async (n) => (probes++, n <= limit), forever);
        if (limit >= max) expect(s).toEqual({ kind: 'ceiling', max });
        else expect(s).toEqual({ kind: 'exact', value: limit });
        expect(probes).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(max)) + 1);
      }),
    );
  });
  test('nothing passes: none; the budget spent: the range left', async () => {
    expect(await largestPassing(1, 100, async () => false, forever)).toEqual({ kind: 'none', min: 1 });
    expect(await largestPassing(1, 1 << 20, async (n) => n <= 1000, { probes: 5, inTime: () => true })).toMatchObject({ kind: 'between' });
    let calls = 0;
    expect(await largestPassing(1, 1000, async (n) => (calls++, n < 10), { probes: 64, inTime: () => calls < 1 })).toEqual({ kind: 'between', low: 1, high: 1000 });
  });
});

describe('a limit in words', () => {
  test('advertised against measured: the value a script reads, its source, and a note where they disagree', () => {
    expect(limitJson({ advertised: 5, measured: { value: 5 } })).toEqual({ value: 5, source: 'both' });
    expect(limitJson({ advertised: undefined, measured: { value: 1000 } })).toEqual({ value: 1000, source: 'measured' });
    expect(limitJson({ advertised: false, measured: undefined, skipped: 'not offered' })).toEqual({ value: false, source: 'advertised', note: 'not offered' });
    expect(limitJson({ advertised: true, measured: { value: false } })).toMatchObject({ value: false, source: 'both', note: 'advertised as available, but the probe found it does not work' });
    expect(disagreement({ advertised: 1000, measured: { value: 800 } })).toBe('advertised 1,000, measured 800');
    expect(disagreement({ advertised: 65_535, measured: { value: 65_535, atLeast: true } })).toBeUndefined();
  });
  test('the consequence names how the broker enforces the limit', () => {
    expect(consequence('maxPayloadBytes', { advertised: undefined, measured: { value: 1000, enforcement: { kind: 'dropped' } } })).toBe(
      'a message with a payload above 1,000 bytes is dropped without a refusal: publishers will not notice (the broker even acknowledges it at QoS 1 and 2)',
    );
    expect(consequence('maxPayloadBytes', { advertised: undefined, measured: { value: 1000, enforcement: { kind: 'refused', code: 'Packet too large (0x95)' } } })).toContain('is refused with Packet too large (0x95)');
    expect(consequence('maxPayloadBytes', { advertised: undefined, measured: { value: 1_048_576, atLeast: true } })).toBeUndefined();
    expect(consequence('maxClientIdLength', { advertised: undefined, measured: { value: 23 } })).toContain('the MQTT minimum every broker must accept');
    expect(consequence('retain', { advertised: false, measured: undefined })).toBe('not offered (the broker says so in CONNACK)');
    expect(measuredText({ advertised: undefined, measured: { value: 10, below: 20 } })).toBe('10–20');
    expect(measuredText({ advertised: undefined, measured: undefined, skipped: 'x' })).toBe('not probed');
  });
});

test('the report: a table within 80 columns, findings wrapped to the terminal, JSON per version', () => {
  const run = (version: '5' | '3.1.1'): LimitsRun => ({
    version,
    ms: 1234,
    messages: 40,
    connections: 12,
    outOfTime: false,
    limits: {
      maxPayloadBytes: { advertised: undefined, measured: { value: 1000, enforcement: { kind: 'dropped' } } },
      maxClientIdLength: { advertised: undefined, measured: { value: 65_535, atLeast: true } },
      ...(version === '5' ? { topicAliasMaximum: { advertised: 10, measured: { value: 10 } } } : {}),
    },
  });
  const text = renderLimits([run('5'), run('3.1.1')], 80);
  for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  expect(text).toMatch(/^payload size +- +1,000 +1,000$/m);
  expect(text).toMatch(/^topic aliases +10 +10 +MQTT 5 only$/m);
  expect(text).toContain('probe: MQTT 5 in 1.2 s, 40 messages, 12 connections; MQTT 3.1.1 in 1.2 s');
  const json = limitsJson([run('5'), run('3.1.1')]);
  expect(json['limits']).toEqual((json['limitsByVersion'] as Record<string, unknown>)['5']);
  expect(Object.keys(json['limitsByVersion'] as object)).toEqual(['5', '3.1.1']);
});
