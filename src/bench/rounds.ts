/**
 * Trials in rounds: every round runs each level once, in an order rotated from round to round
 * (0,1,2 then 1,2,0 then 2,0,1), so that a machine that slows down or speeds up during the run
 * weighs on every level alike, and a level never always runs first after a pause.
 */
import type { Qos } from '../protocol/types.js';
import { trialOf, type TrialResult } from './levels.js';
import { runPhase, type BenchHooks, type BenchOptions } from './runner.js';

/** Round `round`'s order (0-based): the levels rotated left by the round number. */
export function roundOrder<T>(levels: readonly T[], round: number): T[] {
  const shift = levels.length === 0 ? 0 : round % levels.length;
  return [...levels.slice(shift), ...levels.slice(0, shift)];
}

export interface RoundsHooks {
  /** The hooks of one phase (progress, Ctrl-C), with its place in the run for the progress line. */
  readonly phase: (qos: Qos, round: number) => BenchHooks;
  /** Ctrl-C was pressed: no further phase starts. */
  readonly halted: () => boolean;
}

export interface RoundsOutcome {
  readonly trials: TrialResult[];
  /** The error that ended the rounds early; the trials before it stand. */
  readonly error: unknown;
}

/** `rounds` rounds of opts.qos; round numbers in the trials are 1-based. Stops at the first failure or Ctrl-C. */
export async function runRounds(spec: Parameters<typeof runPhase>[0], opts: BenchOptions, rounds: number, hooks: RoundsHooks): Promise<RoundsOutcome> {
  const trials: TrialResult[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const qos of roundOrder(opts.qos, r)) {
      if (hooks.halted()) return { trials, error: undefined };
      try {
        trials.push(trialOf(await runPhase(spec, opts, qos, hooks.phase(qos, r + 1)), r + 1));
      } catch (error) {
        return { trials, error };
      }
    }
  }
  return { trials, error: undefined };
}
