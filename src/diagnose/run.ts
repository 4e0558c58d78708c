/**
 * diagnose: the path a client takes, one step at a time (configuration, DNS,
 * TCP, TLS, MQTT CONNECT, round trip, retained and will), stopping at the first
 * failure and saying in plain words what it means and what to do.
 */
import { randomBytes } from 'node:crypto';
import type { IConnackPacket, IPublishPacket, MqttClient, Packet } from 'mqtt';
import { connect, type ConnectOptions } from '../connection/session.js';
import { describeRefusal, explainRefusal } from '../connection/explain.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import type { ConnectionSpec, TlsSpec } from '../protocol/spec.js';
import { decodeConnack } from '../connection/reason-codes.js';
import { type ProtocolVersion, protocolVersionLabel, type Qos } from '../protocol/types.js';
import { ExitCode, isCliError, type ExitCodeValue } from '../errors.js';
import type { CheckStep } from '../report/check-report.js';
import { nameToVerify } from '../tls/connect-params.js';
import { handshake, probeOptions, type HandshakeResult } from '../tls/probe.js';
import { explainTlsCode } from '../tls/verify-errors.js';
import { mqttProbe, type MqttProbe } from '../connection/connect-probe.js';
import { resolveHost, tcpConnect, withTimeout } from './probe.js';

/** A diagnose step: a check-report step that always says how long it took. */
export type StepResult = CheckStep & { readonly ms: number };

export interface DiagnoseOptions {
  /** How the round-trip sessions connect (the WebSocket library, if any); they print nothing. */
  connect: ConnectOptions;
  /** Topic prefix for the round trip; a unique level is added. */
  testTopic: string;
  checkWill: boolean;
  /** What the user passed, for the configuration warnings. */
  urlGiven: string | undefined;
  urlHadPath: boolean;
  tlsFlagsOnPlain: boolean;
  versionExplicit: boolean;
}

type Emit = (r: StepResult) => void;

const WAIT_MS = 5_000;
const PICK_TEST_TOPIC = 'Use --test-topic to pick a topic the ACL allows.';
/** How long the broker's $SYS version may take: it is retained, so it comes at once or never. */
const SYS_WAIT_MS = 1_000;

/** TLS with nothing of the user's: to ask whether a plain port really expects TLS. */
const PROBE_TLS: TlsSpec = {
  ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: false, minVersion: undefined, maxVersion: undefined, alpn: undefined, servername: undefined,
  ciphers: undefined, passphrase: undefined, psk: undefined, keylogFile: undefined,
};

function tlsFinding(spec: ConnectionSpec, info: HandshakeResult): StepResult {
  const ms = info.ms;
  if (!info.ok) {
    const code = info.errorCode ?? 'ERROR';
    if (info.notTls || code === 'ECONNRESET') {
      return fail('TLS', ms, 'the server did not answer the TLS handshake in TLS: it is a plain (non-TLS) listener', 'Drop TLS (use mqtt://) for this port, or use the TLS port (usually 8883).', ExitCode.tls);
    }
    if (code === 'ETIMEDOUT') return fail('TLS', ms, 'no TLS handshake in time (ETIMEDOUT)', 'The port accepted TCP but not TLS in time.', ExitCode.timeout);
    const known = explainTlsCode(code, { name: nameToVerify(spec) });
    return fail(
      'TLS',
      ms,
      known === undefined ? `the TLS handshake failed (${code})` : `${known.finding} (${code})`,
      known?.hint ?? 'Try --tls-version, or check whether the broker requires a client certificate (--cert/--key).',
      ExitCode.tls,
    );
  }
  const leaf = info.chain[0];
  const details: Array<[string, string]> = [
    ['version', info.protocol ?? '?'],
    ['cipher', info.cipher ?? '?'],
    ['ALPN', info.alpn ?? 'none'],
  ];
  if (leaf !== undefined) {
    details.push(['certificate', `${leaf.subject} (issued by ${leaf.issuer})`], ['names', leaf.names.join(', ') || '(none)'], ['expires', `${leaf.validTo} (${leaf.daysLeft} days)`]);
  }
  const verifyOn = spec.tls?.rejectUnauthorized !== false;
  if (!info.authorized && verifyOn) {
    const code = info.authorizationError ?? '?';
    const problem = explainTlsCode(code, { name: nameToVerify(spec), leaf }) ?? { finding: `certificate not trusted (${code})`, hint: 'Pass the right CA with --cafile.' };
    return fail('TLS', ms, problem.finding, problem.hint, ExitCode.tls, details);
  }
  const soon = leaf !== undefined && leaf.daysLeft < 30;
  return {
    name: 'TLS',
    status: !verifyOn || soon ? 'warn' : 'ok',
    ms,
    finding: !verifyOn ? `${info.protocol}; certificate NOT verified (--insecure)` : soon ? `${info.protocol}; certificate expires in ${leaf.daysLeft} days` : `${info.protocol}, certificate verified`,
    details,
  };
}

function fail(name: string, ms: number, finding: string, hint: string, exitCode: ExitCodeValue, details?: Array<[string, string]>): StepResult {
  return { name, status: 'fail', ms, finding, hint, exitCode, ...(details === undefined ? {} : { details }) };
}

export function configWarnings(spec: ConnectionSpec, o: DiagnoseOptions): string[] {
  const w: string[] = [];
  if (spec.transport === 'mqtt' && spec.port === 8883) w.push('plain mqtt:// on port 8883, the usual TLS port: use mqtts://');
  if (spec.transport === 'mqtts' && spec.port === 1883) w.push('mqtts:// on port 1883, the usual plain port: use mqtt:// or port 8883');
  if ((spec.transport === 'ws' || spec.transport === 'wss') && o.urlGiven !== undefined && !o.urlHadPath) {
    w.push(`WebSocket URL without a path: using ${spec.path}; brokers differ (/mqtt, /ws, /)`);
  }
  if (spec.protocolVersion === 3 && Buffer.byteLength(spec.clientId) > 23) {
    w.push(`client id is ${Buffer.byteLength(spec.clientId)} bytes; MQTT 3.1 brokers may refuse ids over 23 bytes`);
  }
  if (o.tlsFlagsOnPlain) w.push('TLS flags were given with a plain URL: connecting with TLS (mqtts)');
  if (spec.tls !== undefined && !spec.tls.rejectUnauthorized) w.push('--insecure: certificate verification is off');
  return w;
}

function describeProbeFailure(p: MqttProbe, spec: ConnectionSpec): { finding: string; hint: string; exitCode: ExitCodeValue } {
  const secure = spec.tls !== undefined;
  switch (p.kind) {
    case 'http':
      return { finding: `the server answered like a web server ("${p.firstLine}"), not an MQTT broker`, hint: 'This is an HTTP port: use the broker port (1883/8883), or ws:// with the WebSocket path if the broker serves MQTT over WebSocket here.', exitCode: ExitCode.network };
    case 'ssh':
      return { finding: `the server is an SSH server ("${p.banner}")`, hint: 'Wrong port: MQTT is usually 1883 (plain) or 8883 (TLS).', exitCode: ExitCode.network };
    case 'tls':
      return { finding: 'the server answered with TLS: it expects a TLS handshake', hint: 'Use mqtts:// (or --cafile) for this port.', exitCode: ExitCode.network };
    case 'other':
      return { finding: `the server answered with bytes that are not a CONNACK (${p.hex})`, hint: 'This port does not speak MQTT: check the port.', exitCode: ExitCode.network };
    case 'closed':
      return {
        finding: 'the server closed the connection without sending a CONNACK',
        hint: secure
          ? 'The broker rejects this client silently (ban, connection limit, CONNECT too large) or does not speak this MQTT version.'
          : 'The port may expect TLS (use mqtts://), or the broker rejects this client silently (ban, connection limit).',
        exitCode: ExitCode.network,
      };
    case 'silent':
      return {
        finding: `no answer within ${spec.connectTimeoutMs / 1000} s after CONNECT`,
        hint: secure ? 'Is this a WebSocket port (use wss://)? Raise --connect-timeout for slow links.' : 'The port accepted TCP but does not answer MQTT: a TLS port (use mqtts://) or a WebSocket port (ws://)?',
        exitCode: ExitCode.timeout,
      };
    case 'error':
      return { finding: `the connection failed during CONNECT (${p.code})`, hint: 'The broker or something in between dropped the connection; check the broker logs.', exitCode: ExitCode.network };
    case 'connack':
      return { finding: 'unexpected', hint: '', exitCode: ExitCode.internal };
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

export async function diagnose(spec: ConnectionSpec, o: DiagnoseOptions, emit: Emit): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const push = (r: StepResult): StepResult => {
    results.push(r);
    emit(r);
    return r;
  };
  const timeoutMs = spec.connectTimeoutMs;

  // 1. Configuration
  const warnings = configWarnings(spec, o);
  push({
    name: 'configuration',
    status: warnings.length > 0 ? 'warn' : 'ok',
    ms: 0,
    finding: warnings.length > 0 ? warnings.join('; ') : `${describeEndpoint(spec)}, ${protocolVersionLabel(spec.protocolVersion)}, client id ${spec.clientId}${spec.username === undefined ? ', anonymous' : `, user ${spec.username}`}`,
  });

  // 2. DNS
  let t0 = performance.now();
  const dns = await resolveHost(spec.host, Math.min(timeoutMs, WAIT_MS));
  if (!dns.ok) {
    const finding = dns.code === 'ETIMEOUT' ? `resolving '${spec.host}' took longer than ${Math.min(timeoutMs, WAIT_MS) / 1000} s` : `the name '${spec.host}' does not resolve (${dns.code})`;
    push(fail('DNS', performance.now() - t0, finding, 'Check the spelling of the host name and your DNS settings (or /etc/hosts).', ExitCode.network));
    return results;
  }
  push({ name: 'DNS', status: 'ok', ms: performance.now() - t0, finding: `${spec.host} -> ${dns.addresses.map((a) => a.address).join(', ')}` });

  // 3. TCP to every address
  t0 = performance.now();
  const tcp = await Promise.all(dns.addresses.map((a) => tcpConnect(a.address, spec.port, timeoutMs)));
  const reachable = tcp.filter((r) => r.ok);
  const tcpDetails: Array<[string, string]> = tcp.map((r) => [
    `${r.address}:${spec.port}`,
    r.ok ? `connected in ${r.ms.toFixed(1)} ms` : { ECONNREFUSED: 'refused (nothing listens)', ETIMEDOUT: 'no answer (filtered or host down)', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable' }[r.code] ?? r.code,
  ]);
  const first = reachable[0];
  if (first === undefined) {
    const timedOut = tcp.every((r) => !r.ok && r.code === 'ETIMEDOUT');
    const refused = tcp.some((r) => !r.ok && r.code === 'ECONNREFUSED');
    push(
      fail(
        'TCP',
        performance.now() - t0,
        refused ? `connection refused on port ${spec.port}: nothing is listening there` : timedOut ? `no answer from port ${spec.port} within ${timeoutMs / 1000} s` : `cannot reach port ${spec.port}`,
        refused ? 'Is the broker running, and is the port right? mqtt:// defaults to 1883, mqtts:// to 8883.' : 'A firewall may drop the packets, or the host is down; check the address, port and routes.',
        timedOut ? ExitCode.timeout : ExitCode.network,
        tcpDetails,
      ),
    );
    return results;
  }
  const partial = reachable.length < tcp.length;
  push({
    name: 'TCP',
    status: partial ? 'warn' : 'ok',
    ms: performance.now() - t0,
    finding: partial ? `only ${reachable.length} of ${tcp.length} addresses accept connections` : `port ${spec.port} accepts connections (${first.ms.toFixed(1)} ms)`,
    details: tcpDetails,
  });
  const address = first.address;

  // 4. TLS
  const secure = spec.tls !== undefined;
  const tlsOpts = secure ? probeOptions(spec) : undefined;
  if (secure && spec.transport !== 'wss') {
    const info = await handshake(probeOptions(spec, { address }), { timeoutMs, now: new Date(), alertWaitMs: 0 });
    const tlsStep = tlsFinding(spec, info);
    push(tlsStep);
    if (tlsStep.status === 'fail') return results;
  }

  // 5. MQTT CONNECT, with version fallback
  let version = spec.protocolVersion;
  let accepted: IConnackPacket | undefined;
  let connectWarn: { finding: string; hint: string } | undefined;
  if (spec.transport === 'ws' || spec.transport === 'wss') {
    t0 = performance.now();
    try {
      const s = await connect(spec, o.connect);
      accepted = s.connack;
      s.client.end(true);
    } catch (err) {
      const e = isCliError(err) ? err : undefined;
      push(fail('MQTT CONNECT', performance.now() - t0, e?.message ?? String(err), e?.hint ?? '', (e?.exitCode ?? ExitCode.network) as ExitCodeValue));
      return results;
    }
  } else {
    t0 = performance.now();
    const versions: ProtocolVersion[] = o.versionExplicit ? [version] : version === 5 ? [5, 4, 3] : version === 4 ? [4, 3] : [3];
    for (const v of versions) {
      const probe = await mqttProbe({ ...spec, protocolVersion: v }, address, v, tlsOpts, timeoutMs);
      if (probe.kind !== 'connack') {
        const d = describeProbeFailure(probe, spec);
        if (probe.kind === 'closed' && v !== versions[versions.length - 1]) continue;
        if (!secure && (probe.kind === 'closed' || probe.kind === 'silent' || probe.kind === 'error')) {
          const asTls = await handshake(probeOptions({ ...spec, tls: PROBE_TLS }, { address }), { timeoutMs: Math.min(timeoutMs, WAIT_MS), now: new Date(), alertWaitMs: 0 });
          if (asTls.ok) {
            push(fail('MQTT CONNECT', performance.now() - t0, `${d.finding}: the server expects TLS on this port`, 'Use mqtts:// (with --cafile if its CA is private).', ExitCode.network));
            return results;
          }
        }
        push(fail('MQTT CONNECT', performance.now() - t0, d.finding, d.hint, d.exitCode));
        return results;
      }
      const code = (v === 5 ? probe.packet.reasonCode : probe.packet.returnCode) ?? 0;
      const unsupported = code === 1 || code === 0x84;
      if (unsupported && v !== versions[versions.length - 1]) continue;
      if (code !== 0) {
        const err = explainRefusal({ ...spec, protocolVersion: v }, probe.packet);
        push(fail('MQTT CONNECT', performance.now() - t0, err.message.replace('connection refused: ', 'refused: '), err.hint ?? decodeConnack(v, code).meaning, ExitCode.refused));
        return results;
      }
      accepted = probe.packet;
      if (v !== spec.protocolVersion) {
        connectWarn = {
          finding: `the broker does not accept ${protocolVersionLabel(spec.protocolVersion)}; it accepts ${protocolVersionLabel(v)}`,
          hint:
            spec.protocolVersion === 5 && v === 4
              ? 'pub, sub and bench fall back to it by themselves; rr needs MQTT 5; -V 311 skips the step.'
              : `Use -V ${v === 4 ? '311' : '31'}.`,
        };
        version = v;
      }
      break;
    }
  }
  if (accepted === undefined) return results;
  push({
    name: 'MQTT CONNECT',
    status: connectWarn === undefined ? 'ok' : 'warn',
    ms: performance.now() - t0,
    finding: connectWarn?.finding ?? `accepted (${protocolVersionLabel(version)})`,
    ...(connectWarn === undefined ? {} : { hint: connectWarn.hint }),
    details: connackDetails(accepted, version),
  });

  // 6. Round trip at QoS 0, 1 and 2
  const live: ConnectionSpec = { ...spec, protocolVersion: version };
  const topicBase = `${o.testTopic}/${randomBytes(4).toString('hex')}`;
  t0 = performance.now();
  let session: Awaited<ReturnType<typeof connect>>;
  try {
    session = await connect(live, o.connect);
  } catch (err) {
    const e = isCliError(err) ? err : undefined;
    push(fail('round trip', performance.now() - t0, e?.message ?? String(err), e?.hint ?? '', (e?.exitCode ?? ExitCode.network) as ExitCodeValue));
    return results;
  }
  try {
    const rt = await roundTrip(session.client, topicBase, version);
    const identity = await brokerVersion(session.client);
    push({ ...rt, ms: performance.now() - t0, ...(identity === undefined ? {} : { details: [...(rt.details ?? []), ['broker', identity] as [string, string]] }) });
    if (rt.status === 'fail') return results;

    // 7. Retained (and will)
    t0 = performance.now();
    const ret = await retainedCheck(session.client, live, `${topicBase}/retained`, o.connect);
    push({ ...ret, ms: performance.now() - t0 });
    if (o.checkWill) {
      t0 = performance.now();
      const will = await willCheck(session.client, live, `${topicBase}/will`, o.connect);
      push({ ...will, ms: performance.now() - t0 });
    }
  } finally {
    await session.close();
  }
  return results;
}

function waitForMessage(client: MqttClient, topic: string, ms: number): Promise<IPublishPacket | undefined> {
  return withTimeout(
    new Promise<IPublishPacket | undefined>((resolve) => {
      const onMessage = (t: string, _p: Buffer, packet: IPublishPacket): void => {
        if (t === topic) {
          client.removeListener('message', onMessage);
          resolve(packet);
        }
      };
      client.on('message', onMessage);
    }),
    ms,
    () => undefined,
  );
}

async function roundTrip(client: MqttClient, base: string, version: ProtocolVersion): Promise<Omit<StepResult, 'ms'>> {
  const granted = await withTimeout(client.subscribeAsync(`${base}/#`, { qos: 2 }).catch((e: unknown) => e as Error), WAIT_MS, () => new Error('no SUBACK'));
  if (granted instanceof Error) return { name: 'round trip', status: 'fail', finding: `SUBSCRIBE failed: ${granted.message}`, hint: 'The broker did not acknowledge the subscription in time.', exitCode: ExitCode.timeout };
  const code = granted[0]?.qos ?? 0;
  if (code >= 0x80) {
    const r = describeRefusal(`subscription to '${base}/#'`, 'suback', version, code);
    return { name: 'round trip', status: 'fail', finding: r.message, hint: `${r.hint} ${PICK_TEST_TOPIC}`, exitCode: ExitCode.rejected };
  }
  const details: Array<[string, string]> = [];
  const downgrades: string[] = [];
  if (code < 2) downgrades.push(`the SUBACK granted QoS ${code} for QoS 2`);
  // QoS 1 first: an MQTT 5 broker names an ACL refusal in its PUBACK, where QoS 0 is dropped silently.
  for (const qos of [1, 2, 0] as Qos[]) {
    const topic = `${base}/q${qos}`;
    const arrival = waitForMessage(client, topic, WAIT_MS);
    const acks: string[] = [];
    const onAck = (p: Packet): void => {
      if (p.cmd === 'puback' || p.cmd === 'pubrec' || p.cmd === 'pubcomp') acks.push(p.cmd);
    };
    client.on('packetreceive', onAck);
    const t = performance.now();
    const pubErr = await withTimeout(
      client.publishAsync(topic, `diagnose ${qos}`, { qos }).then(() => undefined, (e: Error & { code?: number }) => e),
      WAIT_MS,
      () => Object.assign(new Error('no acknowledgement'), { timedOut: true }),
    ).finally(() => client.removeListener('packetreceive', onAck));
    if (pubErr !== undefined && 'timedOut' in pubErr) {
      return { name: 'round trip', status: 'fail', finding: `published at QoS ${qos} to '${topic}' and got no ${qos === 1 ? 'PUBACK' : 'PUBREC/PUBCOMP'} within ${WAIT_MS / 1000} s`, hint: 'The broker takes messages but does not acknowledge them: check its log and load.', exitCode: ExitCode.timeout, details };
    }
    if (pubErr !== undefined) {
      const c = typeof pubErr.code === 'number' ? pubErr.code : 0x80;
      const r = describeRefusal(`publish at QoS ${qos} to '${topic}'`, qos === 2 ? 'pubrec' : 'puback', version, c);
      return { name: 'round trip', status: 'fail', finding: r.message, hint: `${r.hint} ${PICK_TEST_TOPIC}`, exitCode: ExitCode.rejected, details };
    }
    // A broker without QoS 2 answers a QoS 2 PUBLISH with PUBACK: it took the message at QoS 1.
    if (qos === 2 && acks.includes('puback')) downgrades.push('a QoS 2 publish was answered with PUBACK');
    const got = await arrival;
    if (got === undefined) {
      return {
        name: 'round trip',
        status: 'fail',
        finding: `published at QoS ${qos} to '${topic}' but it was never delivered within ${WAIT_MS / 1000} s`,
        hint: 'An ACL probably forbids reading or writing the test topic (MQTT 3.1.1 brokers and QoS 0 drop silently): use --test-topic with an allowed topic.',
        exitCode: ExitCode.rejected,
        details,
      };
    }
    details.push([`QoS ${qos}`, `${(performance.now() - t).toFixed(1)} ms${got.qos < qos ? ` (delivered at QoS ${got.qos})` : ''}`]);
  }
  if (downgrades.length > 0) {
    return {
      name: 'round trip',
      status: 'warn',
      finding: `subscribe, publish and receive work at QoS 0 and 1; QoS 2 is downgraded to 1 by the broker (${downgrades.join('; ')})`,
      hint: 'This broker has no QoS 2: messages sent at QoS 2 arrive at least once, not exactly once. pub warns about it (--strict-qos makes it an error).',
      details,
    };
  }
  return { name: 'round trip', status: 'ok', finding: `subscribe, publish and receive work at QoS 0, 1 and 2 (${base}/#)`, details };
}

/** Mosquitto (and brokers that copy it) publish their version, retained, on $SYS/broker/version; others stay silent. */
async function brokerVersion(client: MqttClient): Promise<string | undefined> {
  const topic = '$SYS/broker/version';
  const arrival = waitForMessage(client, topic, SYS_WAIT_MS);
  const granted = await withTimeout(client.subscribeAsync(topic, { qos: 0 }).catch(() => undefined), SYS_WAIT_MS, () => undefined);
  if (granted === undefined || (granted[0]?.qos ?? 0x80) >= 0x80) return undefined;
  const got = await arrival;
  await withTimeout(client.unsubscribeAsync(topic).catch(() => undefined), SYS_WAIT_MS, () => undefined);
  return got === undefined ? undefined : Buffer.from(got.payload).toString('utf8').slice(0, 100);
}

async function retainedCheck(client: MqttClient, spec: ConnectionSpec, topic: string, dial: ConnectOptions): Promise<Omit<StepResult, 'ms'>> {
  const stored = await withTimeout(client.publishAsync(topic, 'diagnose retained', { qos: 1, retain: true }).then(() => true, () => false), WAIT_MS, () => false);
  if (!stored) return { name: 'retained', status: 'warn', finding: `a retained publish got no PUBACK within ${WAIT_MS / 1000} s`, hint: 'The broker may refuse retained messages on this topic.' };
  let fresh: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    fresh = await connect({ ...spec, clientId: `${spec.clientId}-r` }, dial);
    const arrival = waitForMessage(fresh.client, topic, WAIT_MS);
    await withTimeout(fresh.client.subscribeAsync(topic, { qos: 1 }).catch(() => undefined), WAIT_MS, () => undefined);
    const got = await arrival;
    if (got === undefined || !got.retain) {
      return { name: 'retained', status: 'warn', finding: 'a retained message was not delivered to a new subscriber', hint: 'The broker may have retained messages disabled (retain_available).' };
    }
    // Some brokers send retained messages to exact-topic subscriptions only (RabbitMQ's MQTT plugin before 3.12).
    const wildcard = `${topic.slice(0, topic.lastIndexOf('/'))}/+`;
    const again = waitForMessage(fresh.client, topic, SYS_WAIT_MS);
    await withTimeout(fresh.client.subscribeAsync(wildcard, { qos: 1 }).catch(() => undefined), WAIT_MS, () => undefined);
    if ((await again) === undefined) {
      return {
        name: 'retained',
        status: 'warn',
        finding: `a retained message reaches a subscription to its exact topic, but not a wildcard filter ('${wildcard}')`,
        hint: "This broker sends retained messages to exact-topic subscriptions only: sub --retained-only with '+' or '#' prints nothing here.",
      };
    }
    return { name: 'retained', status: 'ok', finding: 'a retained message reaches a new subscriber, by exact topic and by wildcard' };
  } catch (err) {
    return { name: 'retained', status: 'warn', finding: `could not check retained messages: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await withTimeout(client.publishAsync(topic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined), WAIT_MS, () => undefined);
    if (fresh !== undefined) await fresh.close();
  }
}

async function willCheck(client: MqttClient, spec: ConnectionSpec, topic: string, dial: ConnectOptions): Promise<Omit<StepResult, 'ms'>> {
  const arrival = waitForMessage(client, topic, WAIT_MS);
  try {
    const dying = await connect(
      { ...spec, clientId: `${spec.clientId}-w`, will: { topic, payload: Buffer.from('diagnose will'), qos: 1, retain: false, delaySeconds: undefined, properties: undefined } },
      dial,
    );
    dying.client.stream.destroy();
    dying.client.end(true);
  } catch (err) {
    return { name: 'will', status: 'fail', finding: `a client with a will could not connect: ${err instanceof Error ? err.message : String(err)}`, exitCode: ExitCode.refused };
  }
  const got = await arrival;
  return got === undefined
    ? { name: 'will', status: 'warn', finding: `the will was not delivered within ${WAIT_MS / 1000} s of the socket dropping`, hint: 'The ACL may forbid the will topic, or the broker delays wills.' }
    : { name: 'will', status: 'ok', finding: 'the will is delivered when a client drops without DISCONNECT' };
}
