/**
 * What commander reports, in mqtt-tool's words: a usage error with a hint fitted to what was
 * typed (other tools' verbs, mosquitto habits), and `help` spellings mapped to `--help`. Pure.
 */
import type { CommanderError } from '@commander-js/extra-typings';
import { ExitCode, UsageError } from '../errors.js';

/**
 * `help exit-codes` is its own page; `help CMD [SUB]` is `CMD [SUB] --help`, so an unknown CMD gets
 * commander's "unknown command" with a suggestion (exit 2) instead of an empty page; a lone `-h`
 * (no command has it at the top level) is `--help`.
 */
export function normalizeHelp(argv: string[], commands: readonly string[]): string[] {
  const [node, script, first, ...rest] = argv;
  const head = [node as string, script as string];
  if (first === 'help' && rest[0] === 'exit-codes') return [...head, 'help-exit-codes'];
  // An unknown name goes to commander as a command, which refuses it with a suggestion.
  if (first === 'help' && rest.length > 0) return commands.includes(rest[0] as string) ? [...head, ...rest, '--help'] : [...head, ...rest];
  if (first === '-h' && rest.length === 0) return [...head, '--help'];
  return argv;
}

/** Words people try for a command mqtt-tool names otherwise (other MQTT tools' verbs), and what to say instead. */
const GUESSED_COMMANDS: Record<string, string> = {
  conn: 'to test a connection, use diagnose',
  connect: 'to test a connection, use diagnose',
  test: 'to test a connection, use diagnose',
  check: 'to test a connection, use diagnose',
  shell: 'mqtt-tool has no interactive shell: use sub, pub and rr',
  request: 'request/response is rr',
};

/** The hint for a command-line error commander found, from what was typed (`argv` without node and the script). */
function commanderHint(err: CommanderError, args: readonly string[]): string {
  if (err.code === 'commander.unknownCommand') return 'run `mqtt-tool --help` for the commands';
  const command = args[0] ?? '';
  if (err.code === 'commander.excessArguments' && (command === 'pub' || command === 'publish')) {
    return args.includes('-l') || args.includes('--stdin-line')
      ? 'pub -l reads the lines from stdin: `mqtt-tool pub -l -t TOPIC < FILE`'
      : 'pub takes no file argument: give -f FILE (one message), or -l and the lines on stdin (`< FILE`)';
  }
  if (err.code === 'commander.optionMissingArgument' && /'-h, --host/.test(err.message)) return '-h is the broker host, as in mosquitto_pub; help is --help';
  return 'run with --help for the options';
}

export function fromCommander(err: CommanderError, args: readonly string[]): number | UsageError {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
  let text = err.message.replace(/^error: /, '').replace(/\n+\(Did you mean (.*)\?\)$/s, ' (did you mean $1?)');
  const guessed = err.code === 'commander.unknownCommand' ? GUESSED_COMMANDS[args[0] ?? ''] : undefined;
  if (guessed !== undefined) text = `unknown command '${args[0]}': ${guessed}`;
  return new UsageError(text, { hint: commanderHint(err, args) });
}
