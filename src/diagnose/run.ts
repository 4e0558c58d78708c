/**
 * diagnose: the path a client takes, one step at a time (configuration, DNS, TCP, TLS, MQTT
 * CONNECT, round trip, retained and will), stopping at the first failure and saying in plain
 * words what it means and what to do. Each step is a function of its own file.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '../connection/session.js';
import { ExitCode, isCliError, type ExitCodeValue } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import type { ProtocolVersion, Qos } from '../protocol/types.js';
import { configStep } from './config-step.js';
import { connectStep } from './connect-step.js';
import { dnsStep, tcpStep } from './network-steps.js';
import { retainedCheck, willCheck } from './retained-will.js';
import { brokerVersion, roundTrip } from './round-trip.js';
import { fail, type DiagnoseOptions, type StepResult } from './step.js';
import { tlsStep } from './tls-step.js';

/** The steps, and the protocol version the broker accepted (undefined when CONNECT failed). */
export interface Diagnosis {
  readonly steps: StepResult[];
  readonly version: ProtocolVersion | undefined;
}

export async function diagnose(spec: ConnectionSpec, o: DiagnoseOptions, emit: (r: StepResult) => void): Promise<Diagnosis> {
  const results: StepResult[] = [];
  const version = await walk(spec, o, (r) => {
    results.push(r);
    emit(r);
  });
  return { steps: results, version };
}

/** Runs the steps, reporting each; the accepted version once CONNECT passed. */
async function walk(spec: ConnectionSpec, o: DiagnoseOptions, report: (r: StepResult) => void): Promise<ProtocolVersion | undefined> {
  /** Reports a step; true when the run may go on. */
  const push = (r: StepResult): boolean => {
    report(r);
    return r.status !== 'fail';
  };
  push(configStep(spec, o));
  const dns = await dnsStep(spec);
  if (!push(dns.step)) return undefined;
  const tcp = await tcpStep(spec, dns.addresses);
  if (!push(tcp.step) || tcp.address === undefined) return undefined;
  if (spec.tls !== undefined && spec.transport !== 'wss' && !push(await tlsStep(spec, tcp.address))) return undefined;
  const accepted = await connectStep(spec, o, tcp.address);
  if (!push(accepted.step) || accepted.version === undefined) return undefined;

  const live: ConnectionSpec = { ...spec, protocolVersion: accepted.version };
  const topicBase = `${o.testTopic}/${randomBytes(4).toString('hex')}`;
  let t0 = performance.now();
  let session: Awaited<ReturnType<typeof connect>>;
  try {
    session = await connect(live, o.connect);
  } catch (err) {
    const e = isCliError(err) ? err : undefined;
    push(fail('round trip', performance.now() - t0, e?.message ?? String(err), e?.hint ?? '', (e?.exitCode ?? ExitCode.network) as ExitCodeValue));
    return accepted.version;
  }
  try {
    const maxQos = (live.protocolVersion === 5 ? (session.connack.properties?.maximumQoS ?? 2) : 2) as Qos;
    const rt = await roundTrip(session.client, topicBase, live.protocolVersion, maxQos);
    const identity = await brokerVersion(session.client);
    if (!push({ ...rt, ms: performance.now() - t0, ...(identity === undefined ? {} : { details: [...(rt.details ?? []), ['broker', identity] as [string, string]] }) })) return accepted.version;
    t0 = performance.now();
    // A client must not publish retained messages to a broker that advertised them unavailable [MQTT-3.2.2-14].
    const retainOff = live.protocolVersion === 5 && session.connack.properties?.retainAvailable === false;
    push(
      retainOff
        ? { name: 'retained', status: 'info', ms: 0, finding: 'not tried: the broker advertises retained messages as unavailable (a new subscriber gets no last value)' }
        : { ...(await retainedCheck(session.client, live, `${topicBase}/retained`, o.connect)), ms: performance.now() - t0 },
    );
    if (o.checkWill) {
      t0 = performance.now();
      push({ ...(await willCheck(session.client, live, `${topicBase}/will`, o.connect)), ms: performance.now() - t0 });
    }
  } finally {
    await session.close();
  }
  return accepted.version;
}
