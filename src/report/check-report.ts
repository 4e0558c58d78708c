/**
 * Check reports, shared by diagnose and tls-check: steps that are ok / warn / FAIL,
 * rendered as text (wrapped to the terminal when there is one) or as JSON, and the one
 * rule that turns them into an exit code: the first failure's code, else 8 for warnings,
 * else 0. Pure.
 */
import { wrap } from '../io/width.js';
import type { ChalkInstance } from 'chalk';
import { ExitCode, errorForExitCode, type CliError, type ExitCodeValue } from '../errors.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info' | 'skip';

export interface CheckStep {
  readonly name: string;
  readonly status: CheckStatus;
  readonly finding: string;
  readonly hint?: string;
  /** For a failure: the exit code it stands for. */
  readonly exitCode?: ExitCodeValue;
  readonly ms?: number;
  readonly details?: ReadonlyArray<readonly [string, string]>;
}

export interface CheckSummary {
  readonly result: 'ok' | 'warnings' | 'failed';
  readonly exitCode: ExitCodeValue;
  readonly failed: CheckStep | undefined;
  readonly warned: readonly CheckStep[];
}

export function summarize(steps: readonly CheckStep[]): CheckSummary {
  const failed = steps.find((s) => s.status === 'fail');
  const warned = steps.filter((s) => s.status === 'warn');
  if (failed !== undefined) return { result: 'failed', exitCode: failed.exitCode ?? ExitCode.internal, failed, warned };
  return { result: warned.length > 0 ? 'warnings' : 'ok', exitCode: warned.length > 0 ? ExitCode.checkFailed : ExitCode.ok, failed, warned };
}

/**
 * The error that carries a report's exit code. On a terminal the report itself already said
 * everything, so the error stays silent; when stdout goes to a file or a pipe, stderr still gets
 * the one line.
 */
export function checkError(command: string, summary: CheckSummary, reportOnTerminal: boolean): CliError | undefined {
  if (summary.exitCode === ExitCode.ok) return undefined;
  const line = summary.failed !== undefined ? `${command}: ${summary.failed.name} failed` : `${command}: completed with warnings`;
  return errorForExitCode(summary.exitCode, line, undefined, reportOnTerminal);
}

/** A step as JSON, under the name key each command has always used ("step" or "check"). */
export function stepJson(step: CheckStep, nameKey: 'step' | 'check'): Record<string, unknown> {
  const { name, ...rest } = step;
  return { [nameKey]: name, ...rest };
}

export interface TextLayout {
  /** Width of the step-name column. */
  readonly nameWidth: number;
  readonly showMs: boolean;
  /** Terminal columns to wrap at; undefined (a pipe or a file) keeps each line whole for grep. */
  readonly columns: number | undefined;
}

export function renderStep(style: ChalkInstance, step: CheckStep, layout: TextLayout): string {
  const mark = { ok: style.green('ok  '), warn: style.yellow('warn'), fail: style.red('FAIL'), info: style.dim('info'), skip: style.dim('skip') }[step.status];
  const ms = layout.showMs ? `${`${Math.round(step.ms ?? 0)} ms`.padStart(7)}  ` : '';
  const head = `${mark}  ${step.name.padEnd(layout.nameWidth)} ${ms}`;
  const indent = 4 + 2 + layout.nameWidth + 1 + (layout.showMs ? 9 : 0);
  const pad = ' '.repeat(indent);
  const lines = [`${head}${wrap(step.finding, indent, indent, layout.columns)}`];
  for (const [k, v] of step.details ?? []) lines.push(`${pad}${style.dim(`${k}:`)} ${wrap(v, indent + k.length + 2, indent + k.length + 2, layout.columns)}`);
  if (step.hint !== undefined && (step.status === 'fail' || step.status === 'warn')) {
    lines.push(`${pad}${style.bold('fix:')} ${wrap(step.hint, indent + 5, indent + 5, layout.columns)}`);
  }
  return `${lines.join('\n')}\n`;
}
