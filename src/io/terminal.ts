/**
 * stderr messages and colour policy. stdout is data only and never coloured
 * unless it is a TTY; NO_COLOR and --no-color always win.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { fitStderr, terminalColumns } from './width.js';

export interface Terminal {
  /** Styles for stderr. */
  readonly err: ChalkInstance;
  /** Styles for stdout (plain when piped). */
  readonly out: ChalkInstance;
  readonly stderrIsTty: boolean;
  /** The width of the terminal on stdout; undefined when stdout is a pipe or a file. */
  readonly stdoutColumns: number | undefined;
  /** An informational line on stderr. */
  notice(line: string): void;
  warn(line: string): void;
}

export function colorLevel(isTty: boolean, env: Readonly<Record<string, string | undefined>>, colorFlag: boolean): 0 | 1 {
  if (!colorFlag) return 0;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  if (env['TERM'] === 'dumb') return 0;
  return isTty ? 1 : 0;
}

export function createTerminal(colorFlag: boolean): Terminal {
  const errTty = process.stderr.isTTY === true;
  const err = new Chalk({ level: colorLevel(errTty, process.env, colorFlag) });
  const out = new Chalk({ level: colorLevel(process.stdout.isTTY === true, process.env, colorFlag) });
  return {
    err,
    out,
    stderrIsTty: errTty,
    stdoutColumns: terminalColumns(process.stdout),
    notice: (line) => process.stderr.write(`${err.dim('mqtt-tool:')} ${fitStderr(line, 'mqtt-tool: ')}\n`),
    warn: (line) => process.stderr.write(`${err.yellow('mqtt-tool: warning:')} ${fitStderr(line, 'mqtt-tool: warning: ')}\n`),
  };
}
