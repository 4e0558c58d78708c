/**
 * The one table of exit codes shared by every subcommand, and the error classes
 * that carry them. Commands throw; only src/cli.ts turns an error into an exit code.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  refused: 3,
  network: 4,
  tls: 5,
  timeout: 6,
  rejected: 7,
  checkFailed: 8,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Rows for the README and `mqtt-tool help exit-codes`; the source of both. */
export const EXIT_CODE_TABLE: ReadonlyArray<{ code: ExitCodeValue; meaning: string }> = [
  { code: ExitCode.ok, meaning: 'success' },
  { code: ExitCode.internal, meaning: 'unexpected internal error (a bug: please report it)' },
  { code: ExitCode.usage, meaning: 'usage: unknown flag, bad value, bad URL, invalid topic, unreadable file' },
  { code: ExitCode.refused, meaning: 'the broker refused the connection (CONNACK code, named with a hint)' },
  { code: ExitCode.network, meaning: 'network: DNS failure, TCP refused/unreachable, connection lost' },
  { code: ExitCode.tls, meaning: 'TLS: handshake failure, certificate not trusted, hostname mismatch' },
  { code: ExitCode.timeout, meaning: 'timeout: connect timeout, -W elapsed, acknowledgement never came' },
  { code: ExitCode.rejected, meaning: 'the broker refused an operation (a reason code >= 0x80, or DISCONNECT)' },
  { code: ExitCode.checkFailed, meaning: 'a check found problems (diagnose, tls-check; bench: deliveries missing)' },
  { code: ExitCode.interrupted, meaning: 'interrupted before work finished (a second Ctrl-C; bench: connecting)' },
];

/** Marks CliErrors across bundle copies of this module (each command is its own bundle). */
const CLI_ERROR = Symbol.for('mqtt-tool.CliError');

export function isCliError(err: unknown): err is CliError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[CLI_ERROR] === true;
}

export abstract class CliError extends Error {
  readonly [CLI_ERROR] = true;
  abstract readonly exitCode: ExitCodeValue;
  /** One line telling the user what to do next, when we know it. */
  readonly hint: string | undefined;
  /** Extra lines shown only with --debug. */
  readonly detail: string | undefined;
  /** The person already read it (a report on their terminal said it): exit with the code, print nothing. */
  readonly alreadyShown: boolean;

  constructor(message: string, options: { hint?: string; detail?: string; cause?: unknown; alreadyShown?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.detail = options.detail;
    this.alreadyShown = options.alreadyShown === true;
  }
}

export class UsageError extends CliError {
  readonly exitCode = ExitCode.usage;
}
export class ConnackError extends CliError {
  readonly exitCode = ExitCode.refused;
}
export class NetworkError extends CliError {
  readonly exitCode = ExitCode.network;
}
export class TlsError extends CliError {
  readonly exitCode = ExitCode.tls;
}
export class TimeoutError extends CliError {
  readonly exitCode = ExitCode.timeout;
}
export class RejectedError extends CliError {
  readonly exitCode = ExitCode.rejected;
}

/** Stopped by the user before there was anything to report. */
export class InterruptedError extends CliError {
  readonly exitCode = ExitCode.interrupted;
}

export class CheckFailedError extends CliError {
  readonly exitCode = ExitCode.checkFailed;
}

/** Rebuilds a typed error from its exit code, e.g. after it crossed a worker-thread boundary. */
export function errorForExitCode(code: number, message: string, hint: string | undefined, alreadyShown = false): CliError {
  const classes: Record<number, new (m: string, o?: { hint?: string; alreadyShown?: boolean }) => CliError> = {
    [ExitCode.usage]: UsageError,
    [ExitCode.refused]: ConnackError,
    [ExitCode.network]: NetworkError,
    [ExitCode.tls]: TlsError,
    [ExitCode.timeout]: TimeoutError,
    [ExitCode.rejected]: RejectedError,
    [ExitCode.checkFailed]: CheckFailedError,
    [ExitCode.interrupted]: InterruptedError,
  };
  const Cls = classes[code] ?? NetworkError;
  return new Cls(message, { ...(hint === undefined ? {} : { hint }), alreadyShown });
}
