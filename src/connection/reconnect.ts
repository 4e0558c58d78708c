/**
 * The one reconnect policy of every long-running command (sub, pub -l, bench): capped
 * exponential backoff, a limit on attempts, a fresh start only after a connection that
 * held, and never a retry after a permanent refusal. Pure: time comes in as a parameter.
 */
import type { ReconnectPolicy } from '../protocol/spec.js';
import { isTransientConnackRefusal, isTransientDisconnect } from './reason-codes.js';
import type { ProtocolVersion } from '../protocol/types.js';

/** A connection that lasted this long resets the backoff and the attempt count. */
export const STABLE_MS = 10_000;
/** The backoff doubles up to this (or the first delay, when that is longer). */
export const MAX_BACKOFF_MS = 30_000;

export class ReconnectSchedule {
  private attempts = 0;
  private delayMs: number;
  private connectedAt: number | undefined;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.delayMs = policy.periodMs;
  }

  /** A CONNACK accepted us. */
  connected(): void {
    this.connectedAt = this.now();
  }

  /**
   * A connection or an attempt ended: the wait before the next attempt, or undefined
   * when the policy says stop. A broker that accepts and drops us at once must not get
   * a fast reconnect loop, so only a connection that held starts the backoff over.
   */
  nextDelayMs(): number | undefined {
    if (this.connectedAt !== undefined && this.now() - this.connectedAt >= STABLE_MS) {
      this.attempts = 0;
      this.delayMs = this.policy.periodMs;
    }
    this.connectedAt = undefined;
    if (!this.policy.enabled) return undefined;
    this.attempts++;
    if (this.policy.maxAttempts !== undefined && this.attempts > this.policy.maxAttempts) return undefined;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, Math.max(this.policy.periodMs, MAX_BACKOFF_MS));
    return delay;
  }
}

/** Why a connection ended, as far as retrying is concerned. */
export type EndCause =
  | { readonly kind: 'refused'; readonly code: number }
  | { readonly kind: 'server-disconnect'; readonly code: number }
  /** The broker broke the protocol: trying again meets the same broker. */
  | { readonly kind: 'protocol-violation' }
  | { readonly kind: 'lost' };

/** Permanent ends (bad credentials, banned, session taken over, ...) are never retried. */
export function isRetryable(cause: EndCause, version: ProtocolVersion): boolean {
  switch (cause.kind) {
    case 'refused':
      return isTransientConnackRefusal(version, cause.code);
    case 'server-disconnect':
      return isTransientDisconnect(cause.code);
    case 'protocol-violation':
      return false;
    case 'lost':
      return true;
  }
}
