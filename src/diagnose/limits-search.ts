/**
 * The largest value a broker accepts, found by bisection over an async yes/no probe, within a
 * budget of probes and time. Pure (the probe and the clock are given): unit-tested against
 * made-up brokers.
 */

export type Search =
  /** Every value up to `max` passes: the limit is at least it (the probe's ceiling). */
  | { readonly kind: 'ceiling'; readonly max: number }
  /** `value` passes and `value + 1` does not. */
  | { readonly kind: 'exact'; readonly value: number }
  /** Even the smallest value fails. */
  | { readonly kind: 'none'; readonly min: number }
  /** The budget ran out: the limit lies in [low, high). */
  | { readonly kind: 'between'; readonly low: number; readonly high: number };

export interface SearchBudget {
  /** The largest number of probes. */
  readonly probes: number;
  /** False once time is up: no further probe is started. */
  readonly inTime: () => boolean;
}

/**
 * `passes(min)` is assumed to decide the lower end, `passes(max)` is tried first; then the
 * boundary is narrowed until it is exact or the budget is spent. A broker's limit is monotone:
 * when n passes, every smaller value passes too.
 */
export async function largestPassing(min: number, max: number, passes: (n: number) => Promise<boolean>, budget: SearchBudget): Promise<Search> {
  let probes = 0;
  const probe = async (n: number): Promise<boolean> => {
    probes += 1;
    return passes(n);
  };
  if (await probe(max)) return { kind: 'ceiling', max };
  if (!budget.inTime() || !(await probe(min))) return budget.inTime() ? { kind: 'none', min } : { kind: 'between', low: min, high: max };
  let low = min;
  let high = max;
  while (high - low > 1) {
    if (probes >= budget.probes || !budget.inTime()) return { kind: 'between', low, high };
    const mid = low + Math.floor((high - low) / 2);
    if (await probe(mid)) low = mid;
    else high = mid;
  }
  return { kind: 'exact', value: low };
}
