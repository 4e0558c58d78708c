/**
 * `bench --connections N`: N clients opened at --connect-rate, each CONNECT -> CONNACK timed,
 * failures counted by their reason, the connections held (keep-alive answered) until the last
 * attempt has ended, then closed with DISCONNECT. Plain TCP and Unix sockets use held connections
 * (a socket and a few fields each); TLS, WebSocket and SOCKS the full client.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadBetween, sampleMachine } from './machine.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { connect } from '../connection/session.js';
import { canHold, holdConnection } from '../connection/held-connection.js';
import { loadSocksTransport, loadWebSocketLibrary } from '../connection/transport/load.js';
import { isCliError } from '../errors.js';
import { encodeHistogram, newHistogram, summarize, type LatencySummary } from './stats.js';

export interface ConnectionTestResult {
  attempted: number;
  connected: number;
  failures: Record<string, number>;
  /** Connections that ended while held (the broker or the network closed them), by reason. */
  dropped: Record<string, number>;
  connectMs: LatencySummary;
  histogram: string;
  durationSec: number;
  /** Held connections (a socket each) or full clients. */
  mode: 'held' | 'client';
  /** Event-loop utilisation of the thread that opened them, 0..1: near 1, the client set the pace. */
  clientBusy: number;
  /** Cores the broker used during the storm, when it runs here (null: not measured). */
  brokerCores: number | null;
}

interface Open {
  close(): Promise<void>;
}

/** Reasons without the run's random client ids, so equal failures count together. */
const reasonOf = (err: unknown): string => (isCliError(err) ? err.message.replace(/-[0-9a-f]{8}-c\d+/g, '') : String(err));

export async function runConnectionTest(
  spec: ConnectionSpec,
  n: number,
  rate: number,
  sourceAddresses: readonly string[] | undefined,
  brokerPid: number | undefined,
  halted: () => boolean,
  onOutcome: (outcome: 'connected' | string) => void = () => {},
): Promise<ConnectionTestResult> {
  const h = newHistogram();
  const failures: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  const open: Open[] = [];
  const held = canHold(spec);
  const ticks: Array<(now: number) => void> = [];
  // One timer keeps every held connection alive, not one timer each.
  const keepalive = setInterval(() => {
    const now = Date.now();
    for (const tick of ticks) tick(now);
  }, 1000);
  let closing = false;
  const runId = randomBytes(4).toString('hex');
  const machineBefore = sampleMachine(brokerPid);
  const loopBefore = performance.eventLoopUtilization();
  const start = Date.now();
  const attempts: Array<Promise<void>> = [];
  let attempted = 0;
  for (let i = 0; i < n && !halted(); i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    attempted++;
    const one: ConnectionSpec = { ...spec, clientId: `${spec.clientId}-${runId}-c${i}`, bindAddress: sourceAddresses === undefined ? spec.bindAddress : sourceAddresses[i % sourceAddresses.length] };
    const t0 = process.hrtime.bigint();
    const opened: Promise<Open> = held
      ? holdConnection(one).then((c) => {
          ticks.push(c.tick);
          void c.ended.then((why) => {
            if (why !== undefined && !closing) dropped[reasonOf(why)] = (dropped[reasonOf(why)] ?? 0) + 1;
          });
          return c;
        })
      : connect(one, { notice: () => {}, webSocket: loadWebSocketLibrary(spec), socks: loadSocksTransport(spec) });
    attempts.push(
      opened.then(
        (c) => {
          h.recordValue(Math.max(1, Math.round(Number(process.hrtime.bigint() - t0) / 1000)));
          open.push(c);
          onOutcome('connected');
        },
        (err: unknown) => {
          const reason = reasonOf(err);
          failures[reason] = (failures[reason] ?? 0) + 1;
          onOutcome(reason);
        },
      ),
    );
  }
  await Promise.all(attempts);
  const durationSec = (Date.now() - start) / 1000;
  const clientBusy = Math.round(performance.eventLoopUtilization(loopBefore).utilization * 100) / 100;
  const brokerCores = loadBetween(machineBefore, sampleMachine(brokerPid), cpus().length).brokerCores ?? null;
  closing = true;
  clearInterval(keepalive);
  await Promise.all(open.map((c) => c.close()));
  return { attempted, connected: open.length, failures, dropped, connectMs: summarize(h), histogram: encodeHistogram(h), durationSec, mode: held ? 'held' : 'client', clientBusy, brokerCores };
}
