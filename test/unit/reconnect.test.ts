import { describe, expect, test } from 'vitest';
import { isRetryable, ReconnectSchedule, STABLE_MS } from '../../src/connection/reconnect.js';

describe('ReconnectSchedule', () => {
  test('doubles from the period up to 30 s', () => {
    const s = new ReconnectSchedule({ enabled: true, periodMs: 1000, maxAttempts: undefined }, () => 0);
    expect(Array.from({ length: 7 }, () => s.nextDelayMs())).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
  test('a period above 30 s is kept', () => {
    const s = new ReconnectSchedule({ enabled: true, periodMs: 60_000, maxAttempts: undefined }, () => 0);
    expect([s.nextDelayMs(), s.nextDelayMs()]).toEqual([60_000, 60_000]);
  });
  test('stops after maxAttempts; disabled never retries', () => {
    const s = new ReconnectSchedule({ enabled: true, periodMs: 100, maxAttempts: 2 }, () => 0);
    expect([s.nextDelayMs(), s.nextDelayMs(), s.nextDelayMs()]).toEqual([100, 200, undefined]);
    expect(new ReconnectSchedule({ enabled: false, periodMs: 100, maxAttempts: undefined }).nextDelayMs()).toBeUndefined();
  });
  test('only a connection that held starts over; a quick drop keeps backing off', () => {
    let now = 0;
    const s = new ReconnectSchedule({ enabled: true, periodMs: 1000, maxAttempts: 3 }, () => now);
    expect(s.nextDelayMs()).toBe(1000);
    s.connected();
    now += STABLE_MS - 1;
    expect(s.nextDelayMs()).toBe(2000);
    s.connected();
    now += STABLE_MS;
    expect(s.nextDelayMs()).toBe(1000);
    expect([s.nextDelayMs(), s.nextDelayMs(), s.nextDelayMs()]).toEqual([2000, 4000, undefined]);
  });
});

describe('isRetryable', () => {
  test.each([
    [{ kind: 'refused', code: 0x88 } as const, 5, true],
    [{ kind: 'refused', code: 0x86 } as const, 5, false],
    [{ kind: 'refused', code: 3 } as const, 4, true],
    [{ kind: 'refused', code: 4 } as const, 4, false],
    [{ kind: 'server-disconnect', code: 0x8e } as const, 5, false],
    [{ kind: 'server-disconnect', code: 0x8b } as const, 5, true],
    [{ kind: 'lost' } as const, 5, true],
  ])('%o under v%i: %s', (cause, version, expected) => {
    expect(isRetryable(cause, version as 4 | 5)).toBe(expected);
  });
});
