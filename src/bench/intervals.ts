/**
 * Confidence intervals for bench's few trials, distribution-free so they hold for five or ten
 * samples of any shape (a busy machine gives skewed, heavy-tailed figures; no normal law holds):
 *
 * - one sample (a level's throughput over its trials, or the per-round ratios of two levels):
 *   the median, and the interval between two order statistics that the sign test gives. Its
 *   coverage is exact: 1 - 2 P(B <= k - 1) for B ~ Binomial(n, 1/2). Six samples are the fewest
 *   that reach 95 % ([min, max] covers the median with 96.9 %).
 * - two samples (two runs compared): the Hodges-Lehmann shift (the median of every difference
 *   b - a) and its interval from the exact Mann-Whitney distribution; on logarithms for a ratio.
 *
 * Pure: numbers in, numbers out.
 */

export const CONFIDENCE = 0.95;

export type Interval = readonly [low: number, high: number];

const ascending = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of no values');
  const s = ascending(xs);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** P(B <= k) for B ~ Binomial(n, 1/2), summed in logs so that large n neither overflows nor underflows. */
export function binomialHalfCdf(n: number, k: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logTerm = -n * Math.LN2;
  let total = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    total += Math.exp(logTerm);
  }
  return Math.min(1, total);
}

/**
 * The rank k (1-based) of the widest-kept order statistic: [x(k), x(n+1-k)] covers the median with
 * at least `level`; undefined when even [min, max] does not (n too small).
 */
export function signTestRank(n: number, level = CONFIDENCE): { k: number; coverage: number } | undefined {
  let best: { k: number; coverage: number } | undefined;
  for (let k = 1; 2 * k <= n + 1; k++) {
    const coverage = 1 - 2 * binomialHalfCdf(n, k - 1);
    if (coverage < level) break;
    best = { k, coverage };
  }
  return best;
}

/** The fewest samples whose median interval reaches `level`: 6 at 95 %. */
export function fewestSamples(level = CONFIDENCE): number {
  let n = 1;
  while (signTestRank(n, level) === undefined) n++;
  return n;
}

/** The median's distribution-free interval, or null when there are too few samples for `level`. */
export function medianInterval(xs: readonly number[], level = CONFIDENCE): Interval | null {
  const rank = signTestRank(xs.length, level);
  if (rank === undefined) return null;
  const s = ascending(xs);
  return [s[rank.k - 1] as number, s[s.length - rank.k] as number];
}

/** Number of arrangements of n a's and m b's with each Mann-Whitney U = 0..nm: the q-binomial coefficient [n+m choose n]. */
export function mannWhitneyCounts(n: number, m: number): bigint[] {
  const degree = n * m;
  let c = new Array<bigint>(degree + 1).fill(0n);
  c[0] = 1n;
  // prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i), each step an exact polynomial.
  for (let i = 1; i <= n; i++) {
    const next = [...c];
    for (let u = degree; u >= m + i; u--) next[u] = (next[u] as bigint) - (next[u - m - i] as bigint);
    for (let u = i; u <= degree; u++) next[u] = (next[u] as bigint) + (next[u - i] as bigint);
    c = next;
  }
  return c;
}

/** Above this many pairs the Mann-Whitney distribution is taken as normal. */
const EXACT_PAIRS = 2_500;

/** Standard normal quantile (Acklam's rational approximation; |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((t, v) => t * x + v, 0);
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - 0.02425) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * The rank k (1-based) such that [D(k), D(nm+1-k)] of the nm sorted differences covers the shift
 * with at least `level`; undefined when no rank does (too few samples).
 */
export function mannWhitneyRank(n: number, m: number, level = CONFIDENCE): number | undefined {
  const alpha = (1 - level) / 2;
  if (n * m > EXACT_PAIRS) {
    const k = Math.floor((n * m) / 2 - normalQuantile(1 - alpha) * Math.sqrt((n * m * (n + m + 1)) / 12));
    return k >= 1 ? k : undefined;
  }
  const counts = mannWhitneyCounts(n, m);
  const total = counts.reduce((t, x) => t + x, 0n);
  let below = 0n;
  let k: number | undefined;
  for (let u = 0; u < counts.length; u++) {
    below += counts[u] as bigint;
    // P(U <= u) <= alpha: then rank u + 1 keeps the coverage.
    if (Number(below) / Number(total) > alpha) break;
    k = u + 1;
  }
  return k;
}

export interface Shift {
  /** Hodges-Lehmann: the median of every b - a. */
  estimate: number;
  interval: Interval | null;
}

/** How far b lies from a: the two-sample shift and its interval. */
export function shift(a: readonly number[], b: readonly number[], level = CONFIDENCE): Shift {
  if (a.length === 0 || b.length === 0) throw new RangeError('shift needs a value on each side');
  const diffs = ascending(a.flatMap((x) => b.map((y) => y - x)));
  const k = mannWhitneyRank(a.length, b.length, level);
  return { estimate: median(diffs), interval: k === undefined ? null : [diffs[k - 1] as number, diffs[diffs.length - k] as number] };
}

/** b as a multiple of a: the shift of the logarithms, turned back into a ratio. Both sides positive. */
export function ratio(a: readonly number[], b: readonly number[], level = CONFIDENCE): Shift {
  const s = shift(a.map(Math.log), b.map(Math.log), level);
  return { estimate: Math.exp(s.estimate), interval: s.interval === null ? null : [Math.exp(s.interval[0]), Math.exp(s.interval[1])] };
}

/** Where an interval lies against `none` (1 for a ratio, 0 for a difference). */
export function side(interval: Interval | null, none: number): 'above' | 'below' | 'spans' {
  if (interval === null) return 'spans';
  if (interval[0] > none) return 'above';
  if (interval[1] < none) return 'below';
  return 'spans';
}

/**
 * About how many trials would make the interval exclude `none`, from its present width (which
 * narrows as 1/sqrt(n)); undefined when the estimate sits on `none` (no number of trials would).
 */
export function trialsToResolve(n: number, estimate: number, interval: Interval, none: number): number | undefined {
  const distance = Math.abs(estimate - none);
  const halfWidth = (interval[1] - interval[0]) / 2;
  if (distance === 0 || !Number.isFinite(halfWidth)) return undefined;
  return Math.max(n + 1, Math.ceil(n * (halfWidth / distance) ** 2));
}
