/**
 * Declares the commands and their options, lazy-imports each command module in
 * its action, and is the one place that turns errors into exit codes.
 */
import { Command, CommanderError, Option, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { EXIT_CODE_TABLE, ExitCode, UsageError, isCliError } from './errors.js';
import { addConnectionOptions, addFleetOptions, addMessageOutputOptions, addOptionsFileOption, addPayloadOptions, addPropertyOption, addSocketOptions, addReconnectOptions, addTlsOptions, addWillOptions, collect, decodeOption, GROUP_MESSAGE, GROUP_OUTPUT, PROFILE_FLAGS } from './cli/flag-groups.js';
import { parseFactor, parseInteger, parsePercent, parseQos, parseQosList, parseSeconds, parseUserProperty } from './cli/values.js';
import { parseCodec } from './codecs/spec.js';
import { VERSION } from './version.js';
import { closest } from './io/suggest.js';
import { loadBundle } from './lazy.js';
import { fromCommander, normalizeHelp } from './cli/commander-words.js';
import { findOptionsFile, parseOptionsFile } from './config/options-file.js';
import { readUserFile } from './io/files.js';
import { foldExample } from './io/width.js';

/** Each command is its own bundle (dist/cmd-NAME.cjs), loaded only when it runs. */
function loadCommand<T>(name: string): T {
  return loadBundle<T>(`cmd-${name}`);
}

function exitCodesHelp(): string {
  return `\nExit codes:\n${EXIT_CODE_TABLE.map((r) => `  ${String(r.code).padStart(3)}  ${r.meaning}`).join('\n')}\n`;
}

/** The examples of a --help, a long one folded into shell continuation lines so that it fits 80 columns and still runs. */
function examples(lines: string[]): string {
  return `\nExamples:\n${lines.flatMap((l) => foldExample(l)).map((l) => `  ${l}`).join('\n')}\n`;
}

function messageOption<Usage extends string>(flags: Usage, description: string) {
  return new Option(flags, description).helpGroup(GROUP_MESSAGE);
}
function outputOption<Usage extends string>(flags: Usage, description: string) {
  return new Option(flags, description).helpGroup(GROUP_OUTPUT);
}

export function buildProgram(): Command {
  const program = new Command('mqtt-tool')
    .description('MQTT toolbox: publish, subscribe, benchmark, diagnose and inspect TLS')
    .version(VERSION, '--version', 'print the version')
    .helpOption('--help', 'show help')
    .showSuggestionAfterError(true)
    .addHelpText('after', exitCodesHelp());

  const pub = addPayloadOptions(
    program
      .command('pub')
      .alias('publish')
      .description('publish messages (from -m, a file, stdin whole or line by line)')
      .addOption(messageOption('-t, --topic <topic>', 'topic to publish to (no wildcards)')),
  )
    .addOption(messageOption('-l, --stdin-line', 'send each line of stdin as a message (streams: works with tail -f)'))
    .addOption(messageOption('--jsonl', 'send each line of stdin, a JSON object as `sub -F jsonl` writes it, to its own topic with its payload, QoS, retain and properties'))
    .addOption(messageOption('--replay', 'with --jsonl: keep the recorded spacing of the lines (their receivedAt)'))
    .addOption(messageOption('--replay-speed <factor>', 'with --jsonl: replay this many times as fast (0: as fast as possible; implies --replay)').argParser((v) => parseFactor('--replay-speed', v)))
    .addOption(messageOption('--encode <codec>', 'read JSON text (-m, -f, -s, -l) and send it encoded: sparkplug, protobuf:FILE.proto:pkg.Message, cbor, msgpack, avro:FILE.avsc, json').argParser((v) => parseCodec(v, '--encode')))
    .addOption(messageOption('-q, --qos <qos>', 'quality of service 0, 1 or 2 (default: 0)').argParser((v) => parseQos('-q', v)))
    .addOption(messageOption('-r, --retain', 'retain the message (-r -n clears a retained message)'))
    .addOption(messageOption('--repeat <n>', 'publish the message n times').argParser((v) => parseInteger('--repeat', v, 1, Number.MAX_SAFE_INTEGER)))
    .addOption(messageOption('--repeat-delay <seconds>', 'wait between repeats').argParser((v) => parseSeconds('--repeat-delay', v)))
    .addOption(messageOption('-M, --max-inflight <n>', 'unacknowledged QoS 1/2 messages in flight at most (default: 1000; 20 for QoS 2 under MQTT 3.1.1; never above the broker\'s Receive Maximum)').argParser((v) => parseInteger('-M', v, 1, 65_535)))
    .addOption(messageOption('--ack-timeout <seconds>', 'exit 6 when a written message gets no acknowledgement in time (default: 30)').argParser((v) => parseSeconds('--ack-timeout', v, 0.1)))
    .addOption(messageOption('--strict-qos', 'exit 7 when the broker takes QoS 2 messages at QoS 1 (PUBACK), instead of a warning'))
    .addOption(messageOption('--content-type <type>', 'MQTT 5 content type'))
    .addOption(messageOption('--response-topic <topic>', 'MQTT 5 response topic'))
    .addOption(messageOption('--correlation-data <text>', 'MQTT 5 correlation data'))
    .addOption(messageOption('--message-expiry <seconds>', 'MQTT 5 message expiry interval').argParser((v) => parseInteger('--message-expiry', v, 0, 0xffffffff)))
    .addOption(messageOption('--payload-format-indicator', 'MQTT 5: mark the payload as UTF-8 text'))
    .addOption(messageOption('--topic-alias <n>', 'MQTT 5 topic alias').argParser((v) => parseInteger('--topic-alias', v, 1, 65_535)))
    .addOption(messageOption('--user-property <key=value>', 'MQTT 5 user property (repeatable)').argParser(collect((v) => parseUserProperty('--user-property', v))))
    .addHelpText(
      'after',
      examples([
        "mqtt-tool pub -t sensors/temp -m 21.5",
        "tail -f app.log | mqtt-tool pub -l -q 1 -t logs/app",
        "mqtt-tool pub -t firmware/blob -f image.bin -q 1",
        "mqtt-tool pub -t state/door -r -n      # clear a retained message",
      ]),
    );
  addPropertyOption(addOptionsFileOption(addReconnectOptions(addWillOptions(addTlsOptions(addSocketOptions(addConnectionOptions(pub))))))).action(async (opts) => loadCommand<typeof import('./commands/pub.js')>('pub').runPub(opts));

  const sub = program
    .command('sub')
    .alias('subscribe')
    .description('subscribe and print messages on stdout')
    .addOption(messageOption('-t, --topic <filter>', 'topic filter, + and # allowed (repeatable)').argParser(collect((v: string) => v)))
    .addOption(messageOption('-T, --filter-out <filter>', 'do not print topics matching this filter (repeatable)').argParser(collect((v: string) => v)))
    .addOption(messageOption('-q, --qos <qos>', 'maximum QoS to subscribe with (default: 0)').argParser((v) => parseQos('-q', v)))
    .addOption(messageOption('-C, --count <n>', 'exit after n messages').argParser((v) => parseInteger('-C', v, 1, Number.MAX_SAFE_INTEGER)))
    .addOption(messageOption('-W, --timeout <seconds>', 'exit with code 6 when not done in time').argParser((v) => parseSeconds('-W', v, 0.001)))
    .addOption(messageOption('-E, --exit-after-subscribe', 'exit right after the SUBACK (creates a persistent session with -c)'))
    .addOption(messageOption('--retained-only', 'print the retained messages, then exit (after --retained-quiet seconds without one)'))
    .addOption(messageOption('--retained-quiet <seconds>', 'with --retained-only: the quiet period that ends the dump (default: 1)').argParser((v) => parseSeconds('--retained-quiet', v, 0.01)))
    .addOption(messageOption('--retained-marker', 'with --retained-only: end as soon as a marker message published behind the retained ones arrives (other subscribers see it)'))
    .addOption(messageOption('-R, --skip-retained', 'do not print retained (stale) messages'))
    .addOption(messageOption('--remove-retained', 'clear each retained message received'))
    .addOption(messageOption('--no-local', 'MQTT 5: do not receive our own publications'))
    .addOption(messageOption('--retain-as-published', 'MQTT 5: keep the retain flag as published'))
    .addOption(messageOption('--retain-handling <n>', 'MQTT 5: 0 send retained, 1 only for new subscriptions, 2 never').choices(['0', '1', '2']))
    .addOption(messageOption('--user-property <key=value>', 'MQTT 5 user property on SUBSCRIBE (repeatable)').argParser(collect((v) => parseUserProperty('--user-property', v))))
    .addOption(messageOption('-U, --unsubscribe <filter>', 'unsubscribe from this filter first, e.g. to clear a persistent session (repeatable; without -t: then exit)').argParser(collect((v: string) => v)))
    .addOption(messageOption('-w, --watch', 'on a terminal: one line per topic, updated in place (the latest message of each)'))
    .addOption(messageOption('--random-filter <percent>', 'print each message with this chance, 0.1 to 100 (sampling a busy topic)').argParser((v) => parsePercent('--random-filter', v)))
    .addHelpText(
      'after',
      examples([
        "mqtt-tool sub -t 'sensors/#' -v",
        "mqtt-tool sub -t 'sensors/#' -F jsonl | jq -r .payload",
        "mqtt-tool sub -t 'state/#' --retained-only -F '%t=%p'",
        "mqtt-tool sub -t 'old/#' --remove-retained --retained-only",
      ]),
    );
  addPropertyOption(addOptionsFileOption(addReconnectOptions(addWillOptions(addTlsOptions(addSocketOptions(addConnectionOptions(addMessageOutputOptions(sub)))))))).action(async (opts) => loadCommand<typeof import('./commands/sub.js')>('sub').runSub(opts));

  const rr = addPayloadOptions(
    program
      .command('rr')
      .description('MQTT 5 request/response: publish a request, print the matching response')
      .addOption(messageOption('-t, --topic <topic>', 'request topic'))
      .addOption(messageOption('-e, --response-topic <topic>', 'topic to wait for the response on')),
  )
    .addOption(messageOption('-q, --qos <qos>', 'QoS for request and response (default: 0)').argParser((v) => parseQos('-q', v)))
    .addOption(messageOption('-W, --timeout <seconds>', 'exit with code 6 when no response arrives in time').argParser((v) => parseSeconds('-W', v, 0.001)))
    .addHelpText(
      'after',
      examples([
        "mqtt-tool rr -t devices/42/get -e devices/42/reply -m '{\"field\":\"temp\"}' -W 5",
        "mqtt-tool rr -t rpc/time -e rpc/time/reply -n -F jsonl",
      ]),
    );
  addPropertyOption(addOptionsFileOption(addWillOptions(addTlsOptions(addSocketOptions(addConnectionOptions(addMessageOutputOptions(rr))))))).action(async (opts) => loadCommand<typeof import('./commands/rr.js')>('rr').runRr(opts));

  const bench = program
    .command('bench')
    .description('measure throughput and latency per QoS (0, 1, 2) side by side')
    .addOption(messageOption('--qos <levels>', 'QoS levels to run, comma-separated').argParser((v) => parseQosList('--qos', v)).default([0, 1, 2], '0,1,2'))
    .addOption(messageOption('--trials <n>', 'measure each level this many times, in rotated rounds; 6 or more give 95 % intervals and verdicts').argParser((v) => parseInteger('--trials', v, 1, 50)).default(6))
    .addOption(messageOption('--messages <n>', 'messages per QoS level in each trial, across all publishers').argParser((v) => parseInteger('--messages', v, 1, 1e9)))
    .addOption(messageOption('--duration <seconds>', 'each trial runs each QoS level this long instead of --messages (default: 1.5)').argParser((v) => parseSeconds('--duration', v, 0.1)))
    .addOption(messageOption('--size <bytes>', 'payload size (at least 16)').argParser((v) => parseInteger('--size', v, 16, 256 * 1024 * 1024)).default(64))
    .addOption(messageOption('--publishers <n>', 'publishing clients').argParser((v) => parseInteger('--publishers', v, 0, 100_000)).default(1))
    .addOption(messageOption('--subscribers <n>', 'subscribing clients (each receives every message)').argParser((v) => parseInteger('--subscribers', v, 0, 100_000)).default(1))
    .addOption(messageOption('--rate <msgs-per-s>', 'fixed total publish rate; latency counts from the intended send time').argParser((v) => parseInteger('--rate', v, 1, 1e9)))
    .addOption(messageOption('--latency-rate <msgs-per-s>', 'after the throughput pass, compare latency with every level at this rate (default: half the slowest level\'s throughput; 0: skip)').argParser((v) => parseInteger('--latency-rate', v, 0, 1e9)))
    .addOption(messageOption('--inflight <n>', 'unacknowledged messages per publisher at most (default: 1000; 200 at QoS 2)').argParser((v) => parseInteger('--inflight', v, 1, 65_535)))
    .addOption(messageOption('--topic <prefix>', 'topic prefix for the test traffic').default('mqtt-tool/bench'))
    .addOption(messageOption('--warmup <seconds>', 'before the first trial, run every level this long, unmeasured (0: none)').argParser((v) => parseSeconds('--warmup', v)).default(0.5))
    .addOption(messageOption('--drain <seconds>', 'after publishing, wait this long for acknowledgements and the last deliveries (default: 30)').argParser((v) => parseSeconds('--drain', v, 0.1)))
    .addOption(messageOption('--connections <n>', 'connection test instead: open n clients and report connect times').argParser((v) => parseInteger('--connections', v, 1, 1_000_000)))
    .addOption(messageOption('--connect-rate <n>', 'connections per second: the ramp before the measured phase (default: all at once), and --connections\' pace (default: 100)').argParser((v) => parseInteger('--connect-rate', v, 1, 1e6)))
    .addOption(outputOption('--json', 'print the report as JSON (with the encoded histograms)'))
    .addOption(outputOption('--out <file>', 'also write the JSON report to a file'))
    .addOption(outputOption('--html <file>', 'also write a self-contained HTML page: throughput and latency percentile charts per QoS'))
    .addOption(outputOption('--metrics-port <[host:]port>', 'serve live Prometheus metrics on /metrics while bench runs (host default: every interface)'))
    .addOption(outputOption('--metrics-hold <seconds>', 'keep serving /metrics this long after the run, so the last scrape sees the totals').argParser((v) => parseSeconds('--metrics-hold', v)).default(0))
    .addHelpText(
      'after',
      examples([
        'mqtt-tool bench --embedded',
        'mqtt-tool bench -h broker.local --trials 10 --size 1024',
        'mqtt-tool bench --rate 5000 --duration 30 --trials 1 --qos 1',
        'mqtt-tool bench -h old.local --out old.json && mqtt-tool bench -h new.local --out new.json && mqtt-tool bench compare old.json new.json',
        'mqtt-tool bench --json --out a.json && mqtt-tool bench merge a.json b.json',
      ]),
    );
  addFleetOptions(addTlsOptions(addSocketOptions(addConnectionOptions(bench)))).action(async (opts) => loadCommand<typeof import('./commands/bench.js')>('bench').runBench(opts));
  bench
    .command('merge')
    .description('combine JSON reports of runs made at the same time on several machines')
    .argument('<files...>', 'reports written by bench --json or --out')
    .option('--json', 'print the merged report as JSON')
    .option('--html <file>', 'also write the merged report as a self-contained HTML page')
    .option('--no-color', 'no colours')
    .action(async (files, _opts, cmd) => loadCommand<typeof import('./commands/bench-reports.js')>('bench-reports').runBenchMerge(files, cmd.optsWithGlobals()));
  bench
    .command('compare')
    .description('two saved runs side by side: every figure of B as a ratio of A with its 95 % interval and a verdict')
    .argument('<a>', 'the baseline report (bench --json or --out)')
    .argument('<b>', 'the report compared with it')
    .option('--json', 'print the comparison as JSON')
    .option('--html <file>', 'also write the comparison as a self-contained HTML page')
    .option('--no-color', 'no colours')
    .action(async (a, b, _opts, cmd) => loadCommand<typeof import('./commands/bench-reports.js')>('bench-reports').runBenchCompare(a, b, cmd.optsWithGlobals()));

  const exploreCmd = program
    .command('explore')
    .description("see a whole broker at a glance: a live topic tree with rates, last values and history")
    .addOption(messageOption('-t, --topic <filter>', "topic filter to watch (repeatable; default: '#')").argParser(collect((v: string) => v)))
    .addOption(messageOption('-q, --qos <qos>', 'QoS to subscribe with (default: 0)').argParser((v) => parseQos('-q', v)))
    .addOption(decodeOption())
    .addOption(outputOption('--max-value-bytes <n>', 'bytes kept of each value (the rest is cut)').argParser((v) => parseInteger('--max-value-bytes', v, 16, 16 * 1024 * 1024)).default(4096))
    .addOption(outputOption('--history <n>', 'values kept per topic').argParser((v) => parseInteger('--history', v, 1, 10_000)).default(50))
    .addHelpText('after', examples(['mqtt-tool explore -h broker.local', "mqtt-tool explore -L mqtts://broker.example -t 'spBv1.0/#' --decode sparkplug"]));
  addReconnectOptions(addTlsOptions(addSocketOptions(addConnectionOptions(exploreCmd)))).action(async (opts) => loadCommand<typeof import('./commands/explore.js')>('explore').runExplore(opts));

  const diag = program
    .command('diagnose')
    .description('explain why a client cannot connect: DNS, TCP, TLS, CONNECT, round trip')
    .addOption(messageOption('--test-topic <prefix>', 'topic prefix for the round-trip test (a unique level is added)').default('mqtt-tool/diagnose'))
    .addOption(messageOption('--check-will', 'also check that a will is delivered when a client drops'))
    .addOption(messageOption('--limits', "then measure the broker's limits: payload and topic size, client id, QoS, retain, wildcards, sessions…"))
    .addOption(messageOption('--limits-timeout <seconds>', 'bound of the whole --limits probe').argParser((v) => parseSeconds('--limits-timeout', v, 5)).default(45))
    .addOption(messageOption('--limits-rate <msg/s>', 'with --limits, also try QoS 0 publish rates up to this (the broker may disconnect)').argParser((v) => parseInteger('--limits-rate', v, 1, 1_000_000)))
    .addOption(outputOption('--json', 'print the steps as JSON'))
    .addHelpText(
      'after',
      examples([
        'mqtt-tool diagnose -h broker.local',
        'mqtt-tool diagnose -h broker.local --limits',
        'mqtt-tool diagnose -L mqtts://user@broker.example:8883 --cafile ca.pem',
        'mqtt-tool diagnose -h broker.local -u app --password-file pw --json | jq .summary',
      ]),
    );
  addTlsOptions(addConnectionOptions(diag)).action(async (opts) => loadCommand<typeof import('./commands/diagnose.js')>('diagnose').runDiagnose(opts));

  const tlsCheck = program
    .command('tls-check')
    .description("inspect a broker's TLS endpoint: chain, expiry, host name, versions, client certificates")
    .addOption(messageOption('--warn-days <days>', 'warn when a certificate expires within this many days').argParser((v) => parseInteger('--warn-days', v, 0, 100_000)).default(30))
    .addOption(messageOption('--no-mqtt', 'do not send an MQTT CONNECT over the verified connection'))
    .addOption(outputOption('--json', 'print everything as one JSON object (for monitoring)'))
    .addHelpText(
      'after',
      examples([
        'mqtt-tool tls-check -L mqtts://broker.example:8883',
        'mqtt-tool tls-check -h 10.0.0.5 --servername broker.example --cafile ca.pem',
        'mqtt-tool tls-check -L mqtts://broker.example --warn-days 21 --json | jq .checks',
      ]),
    );
  addTlsOptions(addConnectionOptions(tlsCheck)).action(async (opts) => loadCommand<typeof import('./commands/tls-check.js')>('tls-check').runTlsCheck(opts));

  const broker = program
    .command('broker')
    .description('run the embedded broker in the foreground until Ctrl-C')
    .option('-p, --port <port>', 'port to listen on', (v) => parseInteger('-p', v, 0, 65_535), 1883)
    .option('-h, --host <address>', 'address to listen on', '127.0.0.1')
    .addHelpText('after', examples(['mqtt-tool broker', 'mqtt-tool broker -p 0   # any free port']));
  broker.action(async (opts) => loadCommand<typeof import('./commands/broker.js')>('broker').runBroker(opts));

  const profile = program
    .command('profile')
    .description('list, show or save the connection profiles of the config file')
    .argument('[subcommand]')
    .action((given: string | undefined) => {
      const near = given === undefined ? undefined : closest(given, ['list', 'show', 'save']);
      throw new UsageError(given === undefined ? 'profile needs a subcommand: list, show or save' : `unknown subcommand 'profile ${given}'${near === undefined ? '' : ` (did you mean ${near}?)`}`, {
        hint: 'run `mqtt-tool profile --help`',
      });
    });
  profile
    .command('list')
    .description('list the profiles')
    .option('--names', 'print the names only, one per line')
    .option('--no-color', 'no colours')
    .action(async (opts) => loadCommand<typeof import('./commands/profile.js')>('profile').runProfileList(opts));
  profile
    .command('show')
    .description('show one profile (secrets masked)')
    .argument('<name>', 'profile name')
    .option('--no-color', 'no colours')
    .action(async (name: string, opts) => loadCommand<typeof import('./commands/profile.js')>('profile').runProfileShow(name, opts));
  const save = profile
    .command('save')
    .description('save the connection flags given as a profile (the file private to you)')
    .argument('<name>', 'profile name')
    .option('--save-password', 'write the -P password into the file too (left out by default)')
    .option('--password-env <var>', 'take the password from this environment variable when the profile is used')
    .option('--force', 'replace a profile of that name')
    .addHelpText(
      'after',
      examples(['mqtt-tool profile save lab -h 10.0.0.5 -p 1884 -u alice --password-env LAB_PASSWORD', 'mqtt-tool profile save prod -L mqtts://broker.example:8883 --cafile ca.pem', 'mqtt-tool sub --profile lab -t \'#\' -v']),
    );
  const saveWithFlags = addTlsOptions(addConnectionOptions(save));
  // Only what a profile can hold is offered; the rest of the connection flags are refused by name.
  for (const o of saveWithFlags.options) if (!PROFILE_FLAGS.has(o.long ?? '')) o.hideHelp();
  saveWithFlags.action(async (name: string, opts, cmd) =>
    loadCommand<typeof import('./commands/profile.js')>('profile').runProfileSave(name, opts, (key) => cmd.getOptionValueSource(key) === 'cli'),
  );

  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      examples([
        'mqtt-tool completion bash > ~/.local/share/bash-completion/completions/mqtt-tool',
        'mqtt-tool completion zsh > "${fpath[1]}/_mqtt-tool"',
        'mqtt-tool completion fish > ~/.config/fish/completions/mqtt-tool.fish',
      ]),
    )
    .action(async (shell: string) => loadCommand<typeof import('./commands/completion.js')>('completion').runCompletion(shell, program));

  program
    .command('help-exit-codes', { hidden: true })
    .action(() => {
      process.stdout.write(exitCodesHelp().trimStart());
    });
  return program;
}

/** Turns any failure into one line on stderr (plus a hint) and an exit code. */
function report(err: unknown, debug: boolean): number {
  if (isCliError(err)) {
    if (err.alreadyShown) return err.exitCode;
    // Wrapping needs display widths (string-width): loaded only for a terminal, never on the pipe path.
    const fit = process.stderr.isTTY === true ? loadBundle<typeof import('./io/width.js')>('width').fitStderr : (line: string) => line;
    process.stderr.write(`mqtt-tool: ${fit(err.message, 'mqtt-tool: ')}\n`);
    if (err.hint !== undefined) process.stderr.write(`hint: ${fit(err.hint, 'hint: ')}\n`);
    if (debug && err.detail !== undefined) process.stderr.write(`${err.detail}\n`);
    if (debug && err.cause instanceof Error) process.stderr.write(`cause: ${err.cause.stack ?? err.cause.message}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`mqtt-tool: internal error: ${e.message}\n`);
  process.stderr.write(debug ? `${e.stack ?? ''}\n` : 'hint: this is a bug; rerun with --debug and report it with the output\n');
  return ExitCode.internal;
}

function applyCommanderTo(cmd: CommandUnknownOpts): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: () => {}, outputError: () => {} });
  for (const c of cmd.commands) applyCommanderTo(c);
}

/** Commands that read mosquitto-style options files (-o), as mosquitto_pub, _sub and _rr do. */
const OPTIONS_FILE_COMMANDS = new Set(['pub', 'publish', 'sub', 'subscribe', 'rr']);

/** `-o FILE`: the file's options go before the command line's, so the command line wins. */
function withOptionsFile(argv: string[]): string[] {
  const command = argv[2];
  if (command === undefined || !OPTIONS_FILE_COMMANDS.has(command)) return argv;
  const rest = argv.slice(3);
  const found = findOptionsFile(rest);
  if (found === undefined) return argv;
  const text = readUserFile(rest[found.index] === '-o' ? '-o' : '--options-file', found.file).toString('utf8');
  const fromFile = parseOptionsFile(text, found.file);
  rest.splice(found.index, found.length);
  return [...argv.slice(0, 3), ...fromFile, ...rest];
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  argv = normalizeHelp(argv, program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  applyCommanderTo(program);
  if (argv.length <= 2) {
    process.stderr.write(`${program.helpInformation()}\nmqtt-tool: no command given\nhint: run \`mqtt-tool --help\`, or e.g. \`mqtt-tool sub -t '#' -v\`\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  try {
    argv = withOptionsFile(argv);
  } catch (err) {
    process.exitCode = report(err, false);
    return;
  }
  const debug = argv.includes('-d') || argv.includes('--debug');
  // `mqtt-tool … | head`: a reader that goes away is a normal end, never a stack trace.
  // Commands that stream (sub) also watch for it themselves to disconnect cleanly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`mqtt-tool: cannot write to stdout: ${err.code ?? err.message}\n`);
  });
  // A command awaiting something that can never happen would otherwise end with exit code 0.
  const unfinished = (): void => {
    process.exitCode = report(new Error('the command stopped before it finished (nothing left to wait for)'), debug);
  };
  process.once('beforeExit', unfinished);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const mapped = fromCommander(err, argv.slice(2));
      process.exitCode = typeof mapped === 'number' ? mapped : report(mapped, debug);
      return;
    }
    process.exitCode = report(err, debug);
  } finally {
    process.removeListener('beforeExit', unfinished);
  }
}
