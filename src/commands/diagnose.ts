/** `mqtt-tool diagnose`: walk DNS -> TCP -> TLS -> CONNECT -> round trip and explain the first failure. */
import { buildConnectionSpec } from '../setup/build-spec.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import { parseBrokerUrl } from '../setup/broker-url.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { resolveConnection } from '../setup/resolve.js';
import { requireTopicName } from '../protocol/topics.js';
import { createTerminal } from '../io/terminal.js';
import { diagnose } from '../diagnose/run.js';
import { probeLimits, versionsToProbe } from '../diagnose/limits-run.js';
import { limitsJson, renderLimits } from '../report/limits-render.js';
import { wrap } from '../io/width.js';
import { checkError, renderStep, stepJson, summarize, type TextLayout } from '../report/check-report.js';

export interface DiagnoseFlags extends ConnectionFlags {
  testTopic: string;
  checkWill?: boolean;
  limits?: boolean;
  limitsTimeout: number;
  limitsRate?: number;
  json?: boolean;
  embedded?: boolean;
  color: boolean;
}

export async function runDiagnose(flags: DiagnoseFlags): Promise<void> {
  const term = createTerminal(flags.color);
  requireTopicName(flags.testTopic, '--test-topic');
  const connection = await resolveConnection(flags, term, { longRunning: false, embedded: flags.embedded === true });
  try {
    const spec = connection.spec;
    const urlParts = flags.url === undefined ? undefined : parseBrokerUrl(flags.url);
    const plainAsked = buildConnectionSpec({ url: flags.url }, { env: {}, readFile: () => Buffer.alloc(0), readCaDirectory: () => [], osCaCertificates: () => [], randomId: () => '', longRunning: false }).transport;
    const layout: TextLayout = { nameWidth: 13, showMs: true, columns: term.stdoutColumns };
    if (flags.json !== true) process.stdout.write(`diagnosing ${describeEndpoint(spec)}\n`);
    const { steps, version } = await diagnose(
      spec,
      {
        connect: { notice: () => {}, webSocket: connection.webSocket, socks: connection.socks },
        testTopic: flags.testTopic,
        checkWill: flags.checkWill === true,
        urlGiven: flags.url,
        urlHadPath: urlParts?.path !== undefined,
        tlsFlagsOnPlain: (plainAsked === 'mqtt' || plainAsked === 'ws') && spec.tls !== undefined,
        versionExplicit: flags.protocolVersion !== undefined,
      },
      (r) => {
        if (flags.json !== true) process.stdout.write(renderStep(term.out, r, layout));
      },
    );
    const summary = summarize(steps);
    // The limits are probed only on a broker the diagnosis reached.
    if ((flags.limits === true || flags.limitsRate !== undefined) && term.stderrIsTty && summary.failed === undefined) term.notice(`measuring the broker's limits (at most ${flags.limitsTimeout} s)…`);
    const limits =
      (flags.limits === true || flags.limitsRate !== undefined) && version !== undefined && summary.failed === undefined
        ? await probeLimits(spec, versionsToProbe(version, flags.protocolVersion !== undefined), {
            testTopic: flags.testTopic,
            timeoutMs: flags.limitsTimeout * 1000,
            rateCeiling: flags.limitsRate,
            connect: { notice: () => {}, webSocket: connection.webSocket, socks: connection.socks },
          })
        : undefined;
    if (limits !== undefined && !Array.isArray(limits)) throw limits;
    const { failed, warned } = summary;
    // The text report already shows the fix under the failed step; JSON readers (jq .summary) get it here.
    const fix = failed?.hint === undefined || flags.json !== true ? '' : ` Fix: ${failed.hint}`;
    const words =
      failed !== undefined
        ? `${failed.name} failed: ${failed.finding}.${fix}`
        : warned.length > 0
          ? `connected and exchanged messages, with ${warned.length} warning${warned.length > 1 ? 's' : ''}: ${warned.map((w) => w.name).join(', ')}`
          : 'everything works: the broker accepts this client and delivers its messages';
    if (flags.json === true) {
      const out = {
        target: describeEndpoint(spec),
        protocolVersion: spec.protocolVersion,
        result: summary.result,
        exitCode: summary.exitCode,
        summary: words,
        steps: steps.map((s) => stepJson(s, 'step')),
        ...(limits === undefined ? {} : limitsJson(limits)),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else {
      const label = failed !== undefined ? term.out.red('result:') : warned.length > 0 ? term.out.yellow('result:') : term.out.green('result:');
      if (limits !== undefined) process.stdout.write(renderLimits(limits, term.stdoutColumns));
      process.stdout.write(`\n${label} ${wrap(words, 8, 8, term.stdoutColumns)}\n`);
    }
    const error = checkError('diagnose', summary, flags.json !== true && term.stdoutColumns !== undefined);
    if (error !== undefined) throw error;
  } finally {
    await connection.release();
  }
}
