import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { binomialHalfCdf, fewestSamples, mannWhitneyCounts, mannWhitneyRank, median, medianInterval, normalQuantile, ratio, shift, side, signTestRank, trialsToResolve } from '../../src/bench/intervals.js';

describe('one sample: the median and its sign-test interval', () => {
  test('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  test('binomial(n, 1/2) tail: known values', () => {
    expect(binomialHalfCdf(6, 0)).toBeCloseTo(1 / 64, 12);
    expect(binomialHalfCdf(10, 1)).toBeCloseTo(11 / 1024, 12);
    expect(binomialHalfCdf(20, 5)).toBeCloseTo(21700 / 1048576, 12);
    expect(binomialHalfCdf(1000, 500)).toBeGreaterThan(0.5);
  });

  test('ranks of the textbook tables: n=6 [x1,x6], n=10 [x2,x9], n=20 [x6,x15]', () => {
    expect(signTestRank(5)).toBeUndefined();
    expect(signTestRank(6)).toEqual({ k: 1, coverage: 1 - 2 / 64 });
    expect(signTestRank(10)?.k).toBe(2);
    expect(signTestRank(20)?.k).toBe(6);
    expect(signTestRank(20)?.coverage).toBeCloseTo(0.9586, 4);
    expect(fewestSamples()).toBe(6);
    expect(fewestSamples(0.9)).toBe(5);
  });

  test('the interval is two order statistics, null below six samples', () => {
    expect(medianInterval([5, 1, 4, 2, 3])).toBeNull();
    expect(medianInterval([6, 1, 5, 2, 4, 3])).toEqual([1, 6]);
    expect(medianInterval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5])).toEqual([2, 9]);
  });

  test('property: the interval holds the median and lies within the data', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 6, maxLength: 60 }), (xs) => {
        const i = medianInterval(xs);
        expect(i).not.toBeNull();
        const [lo, hi] = i as [number, number];
        expect(lo).toBeLessThanOrEqual(median(xs));
        expect(hi).toBeGreaterThanOrEqual(median(xs));
        expect(lo).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(hi).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });

  test('coverage: over 4,000 skewed samples of 8, the interval holds the true median at least 95 % of the time', () => {
    // Exponential(1): median ln 2, a skewed law like a busy machine's throughput; a seeded generator.
    let state = 12345;
    const uniform = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
    let covered = 0;
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      const xs = Array.from({ length: 8 }, () => -Math.log(uniform()));
      const [lo, hi] = medianInterval(xs) as [number, number];
      if (lo <= Math.LN2 && Math.LN2 <= hi) covered++;
    }
    // For 8 samples the interval is [min, max]: exact coverage 1 - 2/256 = 0.992.
    expect(covered / runs).toBeGreaterThan(0.98);
  });
});

describe('two samples: Hodges-Lehmann shift and the Mann-Whitney interval', () => {
  test('the U distribution of 3 and 3: 1 1 2 3 3 3 3 2 1 1', () => {
    expect(mannWhitneyCounts(3, 3)).toEqual([1n, 1n, 2n, 3n, 3n, 3n, 3n, 2n, 1n, 1n]);
    expect(mannWhitneyCounts(5, 5).reduce((t, x) => t + x, 0n)).toBe(252n);
    expect(mannWhitneyCounts(20, 20).reduce((t, x) => t + x, 0n)).toBe(137846528820n);
  });

  test('ranks of the textbook tables: critical U 0 for 4 and 4, 2 for 5 and 5, 5 for 6 and 6, 29 for 10 and 12 (two-sided 0.05)', () => {
    expect(mannWhitneyRank(3, 3)).toBeUndefined();
    expect(mannWhitneyRank(4, 4)).toBe(1);
    expect(mannWhitneyRank(5, 5)).toBe(3);
    expect(mannWhitneyRank(10, 12)).toBe(30);
    expect(mannWhitneyRank(6, 6)).toBe(6);
  });

  test('the normal approximation for many pairs is close to the exact rank', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    const exact = mannWhitneyRank(50, 50) as number;
    const approx = Math.floor(2500 / 2 - 1.959964 * Math.sqrt((2500 * 101) / 12));
    expect(Math.abs(exact - approx)).toBeLessThanOrEqual(2);
    expect(mannWhitneyRank(60, 60)).toBeGreaterThan(1400);
  });

  test('a clean shift of 10 is found exactly, with an interval around it', () => {
    const a = [1, 2, 3, 4, 5, 6];
    const s = shift(a, a.map((x) => x + 10));
    expect(s.estimate).toBe(10);
    expect(side(s.interval, 0)).toBe('above');
  });

  test('a ratio is the shift of the logarithms: b = 2a gives 2', () => {
    const a = [100, 110, 95, 105, 102, 98];
    const r = ratio(a, a.map((x) => 2 * x));
    expect(r.estimate).toBeCloseTo(2, 9);
    expect(side(r.interval, 1)).toBe('above');
    expect(side(ratio(a, a.map((x) => x / 2)).interval, 1)).toBe('below');
  });

  test('overlapping samples span no difference; one value each has no interval', () => {
    expect(side(shift([1, 5, 9, 2, 6, 8], [2, 4, 8, 3, 7, 9]).interval, 0)).toBe('spans');
    expect(shift([1], [2]).interval).toBeNull();
    expect(side(null, 0)).toBe('spans');
  });
});

describe('how many trials would resolve a difference', () => {
  test('an estimate one half-width away needs about as many trials; a quarter needs 16 times', () => {
    expect(trialsToResolve(6, 1.05, [0.95, 1.15], 1)).toBe(24);
    expect(trialsToResolve(6, 1.1, [0.9, 1.1], 1)).toBe(7);
    expect(trialsToResolve(6, 1, [0.9, 1.1], 1)).toBeUndefined();
  });
});
