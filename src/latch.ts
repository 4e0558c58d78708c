/** A promise settled from outside, once: what a run waits on (an interruption, an abort, its end). */
export interface Latch<T> {
  readonly promise: Promise<T>;
  /** Whether fire() was called. */
  readonly fired: boolean;
  /** What fire() was called with first. */
  readonly value: T | undefined;
  /** Settles the promise with `value`; later calls do nothing. */
  fire(value: T): void;
}

export function latch<T = void>(): Latch<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  const l: { promise: Promise<T>; fired: boolean; value: T | undefined; fire(value: T): void } = {
    promise,
    fired: false,
    value: undefined,
    fire(value: T): void {
      if (l.fired) return;
      l.fired = true;
      l.value = value;
      resolve(value);
    },
  };
  return l;
}
