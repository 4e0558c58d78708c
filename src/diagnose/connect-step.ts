/**
 * Step 5: MQTT CONNECT on a socket of its own, trying the older versions when the broker refuses
 * the one asked for (unless -V chose it), so the report can say which versions the broker speaks.
 */
import type { IConnackPacket } from 'mqtt';
import { mqttProbe, type MqttProbe } from '../connection/connect-probe.js';
import { closedBeforeConnackHint, describeForeignPeer, explainRefusal, noConnackHint } from '../connection/explain.js';
import { decodeConnack } from '../connection/reason-codes.js';
import { connect } from '../connection/session.js';
import { ExitCode, isCliError, type ExitCodeValue } from '../errors.js';
import type { ConnectionSpec, TlsSpec } from '../protocol/spec.js';
import { protocolVersionLabel, type ProtocolVersion } from '../protocol/types.js';
import { handshake, probeOptions } from '../tls/probe.js';
import { fail, WAIT_MS, type DiagnoseOptions, type StepResult } from './step.js';

/** TLS with nothing of the user's: to ask whether a plain port really expects TLS. */
const PROBE_TLS: TlsSpec = {
  ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: false, minVersion: undefined, maxVersion: undefined, alpn: undefined, servername: undefined,
  ciphers: undefined, passphrase: undefined, psk: undefined, keylogFile: undefined,
};

/** The step, and the version the broker accepted (undefined when it accepted none). */
export interface ConnectOutcome {
  readonly step: StepResult;
  readonly version: ProtocolVersion | undefined;
}

function describeProbeFailure(p: Exclude<MqttProbe, { kind: 'connack' }>, spec: ConnectionSpec): { finding: string; hint: string; exitCode: ExitCodeValue } {
  switch (p.kind) {
    case 'http':
    case 'ssh':
    case 'tls':
    case 'other': {
      const { finding, hint } = describeForeignPeer(p, spec);
      return { finding: `the server ${finding}`, hint, exitCode: ExitCode.network };
    }
    case 'closed':
      return { finding: 'the server closed the connection without sending a CONNACK', hint: closedBeforeConnackHint(spec), exitCode: ExitCode.network };
    case 'silent':
      return { finding: `no answer within ${spec.connectTimeoutMs / 1000} s after CONNECT`, hint: noConnackHint(spec), exitCode: ExitCode.timeout };
    case 'error':
      return { finding: `the connection failed during CONNECT (${p.code})`, hint: 'The broker or something in between dropped the connection; check the broker logs.', exitCode: ExitCode.network };
  }
}


function connackDetails(p: IConnackPacket, version: ProtocolVersion): Array<[string, string]> {
  const d: Array<[string, string]> = [['session present', String(p.sessionPresent)]];
  if (version !== 5 || p.properties === undefined) return d;
  const pr = p.properties;
  const add = (k: string, v: unknown, dflt: string): void => {
    d.push([k, v === undefined ? dflt : String(v)]);
  };
  add('maximum QoS', pr.maximumQoS, '2 (not limited)');
  add('retain available', pr.retainAvailable, 'true');
  add('wildcard subscriptions', pr.wildcardSubscriptionAvailable, 'true');
  add('shared subscriptions', pr.sharedSubscriptionAvailable, 'true');
  add('subscription identifiers', pr.subscriptionIdentifiersAvailable, 'true');
  add('maximum packet size', pr.maximumPacketSize, 'not limited');
  add('receive maximum', pr.receiveMaximum, '65535');
  add('topic alias maximum', pr.topicAliasMaximum, '0');
  add('server keep alive', pr.serverKeepAlive, 'as requested');
  add('assigned client id', pr.assignedClientIdentifier, '-');
  add('session expiry', pr.sessionExpiryInterval, 'as requested');
  return d;
}


export async function connectStep(spec: ConnectionSpec, o: DiagnoseOptions, address: string): Promise<ConnectOutcome> {
  const t0 = performance.now();
  const failed = (finding: string, hint: string, exitCode: ExitCodeValue): ConnectOutcome => ({ step: fail('MQTT CONNECT', performance.now() - t0, finding, hint, exitCode), version: undefined });
  if (spec.transport === 'ws' || spec.transport === 'wss') {
    try {
      const s = await connect(spec, o.connect);
      const accepted = s.connack;
      await s.close();
      return { step: acceptedStep(accepted, spec.protocolVersion, undefined, performance.now() - t0), version: spec.protocolVersion };
    } catch (err) {
      const e = isCliError(err) ? err : undefined;
      return failed(e?.message ?? String(err), e?.hint ?? '', (e?.exitCode ?? ExitCode.network) as ExitCodeValue);
    }
  }
  const secure = spec.tls !== undefined;
  const tlsOpts = secure ? probeOptions(spec) : undefined;
  const version = spec.protocolVersion;
  const versions: ProtocolVersion[] = o.versionExplicit ? [version] : version === 5 ? [5, 4, 3] : version === 4 ? [4, 3] : [3];
  for (let i = 0; ; i++) {
    const v = versions[i] as ProtocolVersion;
    const last = i === versions.length - 1;
    const probe = await mqttProbe({ ...spec, protocolVersion: v }, address, v, tlsOpts, spec.connectTimeoutMs);
    if (probe.kind !== 'connack') {
      if (probe.kind === 'closed' && !last) continue;
      const d = describeProbeFailure(probe, spec);
      if (!secure && (probe.kind === 'closed' || probe.kind === 'silent' || probe.kind === 'error')) {
        const asTls = await handshake(probeOptions({ ...spec, tls: PROBE_TLS }, { address }), { timeoutMs: Math.min(spec.connectTimeoutMs, WAIT_MS), now: new Date(), alertWaitMs: 0 });
        if (asTls.ok) return failed(`${d.finding}: the server expects TLS on this port`, 'Use mqtts:// (with --cafile if its CA is private).', ExitCode.network);
      }
      return failed(d.finding, d.hint, d.exitCode);
    }
    const code = (v === 5 ? probe.packet.reasonCode : probe.packet.returnCode) ?? 0;
    if ((code === 1 || code === 0x84) && !last) continue;
    if (code !== 0) {
      const err = explainRefusal({ ...spec, protocolVersion: v }, probe.packet);
      return failed(err.message.replace('connection refused: ', 'refused: '), err.hint ?? decodeConnack(v, code).meaning, ExitCode.refused);
    }
    const fallback =
      v === spec.protocolVersion
        ? undefined
        : {
            finding: `the broker does not accept ${protocolVersionLabel(spec.protocolVersion)}; it accepts ${protocolVersionLabel(v)}`,
            hint: spec.protocolVersion === 5 && v === 4 ? 'pub, sub and bench fall back to it by themselves; rr needs MQTT 5; -V 311 skips the step.' : `Use -V ${v === 4 ? '311' : '31'}.`,
          };
    return { step: acceptedStep(probe.packet, v, fallback, performance.now() - t0), version: v };
  }
}

function acceptedStep(connack: IConnackPacket, version: ProtocolVersion, fallback: { finding: string; hint: string } | undefined, ms: number): StepResult {
  return {
    name: 'MQTT CONNECT',
    status: fallback === undefined ? 'ok' : 'warn',
    ms,
    finding: fallback?.finding ?? `accepted (${protocolVersionLabel(version)})`,
    ...(fallback === undefined ? {} : { hint: fallback.hint }),
    details: connackDetails(connack, version),
  };
}
