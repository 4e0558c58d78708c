/** What every diagnose step returns, and the bounds its waits share. */
import type { ExitCodeValue } from '../errors.js';
import type { ConnectOptions } from '../connection/session.js';
import type { CheckStep } from '../report/check-report.js';

/** A diagnose step: a check-report step that always says how long it took. */
export type StepResult = CheckStep & { readonly ms: number };

export interface DiagnoseOptions {
  /** How the round-trip sessions connect (the WebSocket library, if any); they print nothing. */
  connect: ConnectOptions;
  /** Topic prefix for the round trip; a unique level is added. */
  testTopic: string;
  checkWill: boolean;
  /** What the user passed, for the configuration warnings. */
  urlGiven: string | undefined;
  urlHadPath: boolean;
  tlsFlagsOnPlain: boolean;
  versionExplicit: boolean;
}

/** How long a step waits for one answer (DNS, SUBACK, PUBACK, a message). */
export const WAIT_MS = 5_000;
/** How long the broker's $SYS version may take: it is retained, so it comes at once or never. */
export const SYS_WAIT_MS = 1_000;

export function fail(name: string, ms: number, finding: string, hint: string, exitCode: ExitCodeValue, details?: Array<[string, string]>): StepResult {
  return { name, status: 'fail', ms, finding, hint, exitCode, ...(details === undefined ? {} : { details }) };
}
