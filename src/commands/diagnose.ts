/** `mqtt-tool diagnose`: walk DNS -> TCP -> TLS -> CONNECT -> round trip and explain the first failure. */
import { buildConnectionSpec, parseBrokerUrl, type ConnectionFlags } from '../connection/options.js';
import { resolveConnection } from '../connection/resolve.js';
import { validateTopicName } from '../connection/topics.js';
import { ExitCode, UsageError, errorForExitCode } from '../errors.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import { diagnose, type StepResult } from '../diagnose/run.js';
import { describeEndpoint } from '../connection/options.js';

export interface DiagnoseFlags extends ConnectionFlags {
  testTopic: string;
  checkWill?: boolean;
  json?: boolean;
  embedded?: boolean;
  color: boolean;
}

function mark(term: Terminal, s: StepResult['status']): string {
  return { ok: term.out.green('ok  '), warn: term.out.yellow('warn'), fail: term.out.red('FAIL'), skip: term.out.dim('skip') }[s];
}

function renderStep(term: Terminal, r: StepResult): string {
  const lines = [`${mark(term, r.status)}  ${r.step.padEnd(13)} ${`${Math.round(r.ms)} ms`.padStart(7)}  ${r.finding}`];
  for (const [k, v] of r.details ?? []) lines.push(`${' '.repeat(29)}${term.out.dim(`${k}:`)} ${v}`);
  if (r.hint !== undefined && r.status !== 'ok') lines.push(`${' '.repeat(29)}${term.out.bold('fix:')} ${r.hint}`);
  return `${lines.join('\n')}\n`;
}

export async function runDiagnose(flags: DiagnoseFlags): Promise<void> {
  const term = createTerminal(flags.color);
  const topicCheck = validateTopicName(flags.testTopic);
  if (!topicCheck.ok) throw new UsageError(`invalid --test-topic: ${topicCheck.message} [${topicCheck.rule}]`);
  const connection = await resolveConnection(flags, term, { longRunning: false, embedded: flags.embedded === true });
  try {
    const spec = connection.spec;
    const urlParts = flags.url === undefined ? undefined : parseBrokerUrl(flags.url);
    const plainAsked = buildConnectionSpec({ url: flags.url }, { env: {}, readFile: () => Buffer.alloc(0), randomId: () => '', longRunning: false }).transport;
    if (flags.json !== true) process.stdout.write(`diagnosing ${describeEndpoint(spec)}\n`);
    const steps = await diagnose(
      spec,
      {
        testTopic: flags.testTopic,
        checkWill: flags.checkWill === true,
        urlGiven: flags.url,
        urlHadPath: urlParts?.path !== undefined,
        tlsFlagsOnPlain: (plainAsked === 'mqtt' || plainAsked === 'ws') && spec.tls !== undefined,
        versionExplicit: flags.protocolVersion !== undefined || flags.embedded === true,
      },
      (r) => {
        if (flags.json !== true) process.stdout.write(renderStep(term, r));
      },
    );
    const failed = steps.find((s) => s.status === 'fail');
    const warned = steps.filter((s) => s.status === 'warn');
    const exitCode = failed?.exitCode ?? (warned.length > 0 ? ExitCode.checkFailed : ExitCode.ok);
    const summary =
      failed !== undefined
        ? `${failed.step} failed: ${failed.finding}.${failed.hint === undefined ? '' : ` Fix: ${failed.hint}`}`
        : warned.length > 0
          ? `connected and exchanged messages, with ${warned.length} warning${warned.length > 1 ? 's' : ''}: ${warned.map((w) => w.step).join(', ')}`
          : 'everything works: the broker accepts this client and delivers its messages';
    if (flags.json === true) {
      const out = { target: describeEndpoint(spec), protocolVersion: spec.protocolVersion, result: failed !== undefined ? 'failed' : warned.length > 0 ? 'warnings' : 'ok', exitCode, summary, steps };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      process.stdout.write(`\n${failed !== undefined ? term.out.red('result:') : warned.length > 0 ? term.out.yellow('result:') : term.out.green('result:')} ${summary}\n`);
    }
    // The report already said everything; the error carries only the exit code and a short line.
    if (exitCode !== ExitCode.ok) throw errorForExitCode(exitCode, failed !== undefined ? `diagnose: ${failed.step} failed` : 'diagnose: completed with warnings', undefined);
  } finally {
    await connection.release();
  }
}
