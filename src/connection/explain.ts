/**
 * Pure: what went wrong with a connection, in words, with the fix. Every function takes
 * the spec and how far the attempt got, and returns the typed error that carries the
 * exit code. No sockets here, so every branch is unit-tested.
 */
import type { IConnackPacket, IDisconnectPacket } from 'mqtt-packet';
import { ConnackError, type CliError, NetworkError, RejectedError, TimeoutError, TlsError } from '../errors.js';
import { subjectAltNames } from '../tls/certificate.js';
import { explainTlsAlert, explainTlsCode } from '../tls/verify-errors.js';
import { isProxyError, type ProxyError } from './transport/proxy-error.js';
import { nameToVerify } from '../tls/connect-params.js';
import { describeEndpoint, urlHost } from '../protocol/endpoint.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { classifyPeerReply, type PeerReply } from './peer-reply.js';
import { PROTOCOL_VIOLATION } from './ack-tap.js';
import { decodeConnack, decodeReason, formatCode, type PacketKind } from './reason-codes.js';
import type { ProtocolVersion } from '../protocol/types.js';
import type { Progress } from './transport/progress.js';

/** A reason code as every message names it, "NAME (0xNN)", and its meaning with the fix as the hint. */
export function namedCode(kind: PacketKind, version: ProtocolVersion, code: number): { label: string; hint: string } {
  const info = decodeReason(kind, version, code);
  return { label: `${info.name} (${formatCode(code)})`, hint: info.hint === undefined ? info.meaning : `${info.meaning} ${info.hint}` };
}

/** "WHAT refused: NAME (0xNN)": the one wording of a refused subscription, publish or request. */
export function describeRefusal(what: string, kind: PacketKind, version: ProtocolVersion, code: number): { message: string; hint: string } {
  const { label, hint } = namedCode(kind, version, code);
  return { message: `${what} refused: ${label}`, hint };
}

export function refusedError(what: string, kind: PacketKind, version: ProtocolVersion, code: number): RejectedError {
  const { message, hint } = describeRefusal(what, kind, version, code);
  return new RejectedError(message, { hint });
}

const PROTOCOL_VIOLATION_HINT = 'The peer is not a working MQTT broker, or something in between alters the traffic; run with --debug to see the packets.';
const NOT_TLS_HINT = 'Use mqtt:// (plain) for this port, or the TLS port (usually 8883).';

/**
 * What a peer that is not an MQTT broker is, in words: the finding (its subject is the endpoint,
 * left to the caller) and what to do. Shared by every command's connection errors and diagnose.
 */
export function describeForeignPeer(reply: Exclude<PeerReply, { kind: 'connack' }>, spec: ConnectionSpec): { finding: string; hint: string } {
  switch (reply.kind) {
    case 'http': {
      const scheme = spec.tls === undefined ? 'ws' : 'wss';
      return {
        finding: `answered like a web server ("${reply.firstLine}"), not an MQTT broker`,
        hint: `If the broker serves MQTT over WebSocket on this port, use ${scheme}://${urlHost(spec.host)}:${spec.port}/mqtt; otherwise use its MQTT port (usually 1883, 8883 for TLS).`,
      };
    }
    case 'ssh':
      return { finding: `is an SSH server ("${reply.banner}"), not an MQTT broker`, hint: 'Wrong port: MQTT is usually 1883 (plain) or 8883 (TLS).' };
    case 'tls':
      return { finding: 'answered with TLS: the port expects a TLS handshake', hint: 'Use mqtts:// (with --cafile if its CA is private).' };
    case 'other':
      return { finding: `answered with bytes that are not MQTT (${reply.hex})`, hint: 'This port does not speak MQTT: check the port.' };
  }
}

/** The peer answered, but not as an MQTT broker: say what it is, or undefined when it looked like MQTT. */
export function explainForeignPeer(spec: ConnectionSpec, progress: Progress): NetworkError | undefined {
  if (progress.firstBytes === undefined) return undefined;
  const reply = classifyPeerReply(progress.firstBytes, spec.protocolVersion);
  if (reply === undefined || reply.kind === 'connack') return undefined;
  // Over WebSocket, bytes that are not MQTT are the HTTP layer's frames, not the broker's: they say nothing here.
  if (reply.kind === 'other' && (spec.transport === 'ws' || spec.transport === 'wss')) return undefined;
  const { finding, hint } = describeForeignPeer(reply, spec);
  return new NetworkError(`${describeEndpoint(spec)} ${finding}`, { hint });
}

/** The hint when a connection closed before any CONNACK, with no other sign of why. */
export function closedBeforeConnackHint(spec: Pick<ConnectionSpec, 'tls' | 'protocolVersion'>): string {
  // Brokers without MQTT 3.1 (the MQIsdp protocol name) often close on its CONNECT without a word.
  if (spec.protocolVersion === 3) return 'This broker may not speak MQTT 3.1: try -V 311. Otherwise it rejects this client silently (ban, connection limit).';
  return spec.tls === undefined
    ? 'The port may expect TLS (use mqtts://), WebSocket (ws://), or the broker rejects this client silently (ban, connection limit, CONNECT too large).'
    : 'The broker may reject this client silently (ban, connection limit), or -V 5 is not supported: try -V 311.';
}

/** The hint when TCP (and TLS) came up but no CONNACK followed. */
export function noConnackHint(spec: Pick<ConnectionSpec, 'tls' | 'transport'>): string {
  return spec.transport === 'ws' || spec.transport === 'wss'
    ? 'The WebSocket server accepted the connection but no MQTT broker answered: check the path and port. Raise --connect-timeout for slow links.'
    : spec.tls === undefined
      ? 'The port accepted TCP but did not answer as an MQTT broker: is it a TLS port (use mqtts://) or a WebSocket port (use ws://)?'
      : 'The TLS endpoint did not answer MQTT: is it a WebSocket port (use wss://)? Raise --connect-timeout for slow links.';
}

/** A socket, TLS or WebSocket error, given how far the attempt got. */
/** The SOCKS proxy leg failed: the proxy unreachable, or its refusal (RFC 1928 reply codes, by the socks library's names). */
function explainProxyError(err: ProxyError, spec: ConnectionSpec): CliError {
  const at = `${urlHost(err.proxy.host)}:${err.proxy.port}`;
  if (err.code !== 'ESOCKS') {
    const why = err.code === 'ECONNREFUSED' ? 'connection refused (nothing is listening there)' : err.code === 'ENOTFOUND' ? 'its host name does not resolve' : err.message;
    return new NetworkError(`cannot connect to the SOCKS proxy ${at}: ${why}`, { hint: 'Is the proxy running, and is --proxy right?', cause: err });
  }
  const target = `${urlHost(spec.host)}:${spec.port}`;
  const reasons: Array<[RegExp, string, string]> = [
    [/Authentication failed|auth/i, 'the proxy refused the user name or password', 'Check user:pass in --proxy socks5h://user:pass@host:port.'],
    [/NotAllowed/i, `the proxy's rules do not allow a connection to ${target}`, "Ask for the broker to be allowed in the proxy's rules."],
    [/ConnectionRefused/i, `the proxy reached ${target}, but nothing listens there`, 'Is the broker running, and are -h and -p right (as the proxy sees them)?'],
    [/HostUnreachable|NetworkUnreachable|TTLExpired/i, `the proxy cannot reach ${target}`, 'Check the broker address as the proxy sees it.'],
    [/Socks5 proxy rejected|Failure/i, `the proxy could not connect to ${target}`, 'The proxy log says why.'],
  ];
  const match = reasons.find(([re]) => re.test(err.message));
  return new NetworkError(`SOCKS proxy ${at}: ${match?.[1] ?? err.message} (${err.message})`, { hint: match?.[2] ?? 'The proxy log says why.', cause: err });
}

export function explainStreamError(err: NodeJS.ErrnoException, spec: ConnectionSpec, progress: Progress): CliError {
  if (isProxyError(err)) return explainProxyError(err, spec);
  const where = describeEndpoint(spec);
  const code = err.code ?? '';
  if (spec.unixPath !== undefined && (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'ENOTSOCK')) {
    const why = { ENOENT: 'no such socket', ECONNREFUSED: 'connection refused (nothing is listening on it)', EACCES: 'permission denied', ENOTSOCK: 'it is not a socket' }[code];
    return new NetworkError(`cannot connect to the Unix socket ${spec.unixPath}: ${why}`, {
      hint: code === 'EACCES' ? "Check the socket's permissions, or run as a user allowed to use it." : "Is the broker running, and does it listen on this socket (Mosquitto: 'listener 0 PATH')?",
      cause: err,
    });
  }
  if (spec.bindAddress !== undefined && (code === 'EADDRNOTAVAIL' || code === 'EINVAL')) {
    return new NetworkError(`cannot connect from ${spec.bindAddress} (--bind-address): the address is not one of this machine's, or does not fit the broker's address family`, {
      hint: 'Give an address of a local interface (ip addr), of the same family (IPv4 or IPv6) as the broker.',
      cause: err,
    });
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new NetworkError(`cannot connect to ${spec.host}:${spec.port}: connection refused (nothing is listening there)`, {
        hint: 'Is the broker running, and is the port right? mqtt:// defaults to 1883, mqtts:// to 8883.',
        cause: err,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new NetworkError(`could not resolve host name '${spec.host}'`, { hint: 'Check the spelling of -h/-L and your DNS settings.', cause: err });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new NetworkError(`cannot reach ${spec.host}:${spec.port}: ${code === 'EHOSTUNREACH' ? 'host' : 'network'} unreachable`, {
        hint: 'Check the address and your routes or VPN.',
        cause: err,
      });
    case 'ECONNRESET':
    case 'EPIPE':
      if (spec.tls !== undefined && progress.tcpConnected && !progress.tlsEstablished) {
        return new TlsError(`TLS: ${where} dropped the connection during the TLS handshake: the server is probably not speaking TLS on this port`, {
          hint: NOT_TLS_HINT,
          cause: err,
        });
      }
      if (progress.mqttAccepted) {
        return new NetworkError(`${where} dropped the connection`, {
          hint: 'Brokers drop a client over a packet above their size limit, a denied operation or a protocol error; check the broker log.',
          cause: err,
        });
      }
      return new NetworkError(`connection to ${where} was reset by the peer`, {
        hint:
          progress.tcpConnected && spec.tls === undefined
            ? `If this port expects TLS, use ${spec.transport === 'ws' ? 'wss://' : 'mqtts://'} or --cafile.`
            : 'The broker or something in between dropped the connection; check the broker logs.',
        cause: err,
      });
  }
  if (code === PROTOCOL_VIOLATION) return explainProtocolViolation(spec, err.message, err);
  const wsStatus = /Unexpected server response: (\d+)/.exec(err.message);
  if (wsStatus !== null) {
    return new NetworkError(`${where}: the WebSocket upgrade was refused with HTTP ${wsStatus[1]}`, {
      hint: `Check the path (brokers use /mqtt, /ws or /; this one was ${spec.path}) and that the port serves MQTT over WebSocket.`,
      cause: err,
    });
  }
  // A hostname mismatch carries the broker's certificate: its names tell the person which to use.
  const cert = (err as { cert?: { subjectaltname?: string } }).cert;
  const tlsProblem = explainTlsCode(code, { name: nameToVerify(spec), names: cert === undefined ? undefined : subjectAltNames(cert.subjectaltname) });
  if (tlsProblem !== undefined) return new TlsError(`TLS: ${tlsProblem.finding} (${code})`, { hint: tlsProblem.hint, cause: err });
  // Other alerts from the broker arrive as EPROTO, with OpenSSL's name of the alert in the message.
  const alert = /alert ([a-z0-9 ]+?)(?::|$)/i.exec(err.message)?.[1];
  if (spec.tls !== undefined && alert !== undefined) {
    const { finding, hint } = explainTlsAlert(alert.toLowerCase(), spec.tls.psk !== undefined);
    return new TlsError(`TLS: ${finding}`, { hint, cause: err });
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /certificate/i.test(err.message)) {
    return new TlsError(`TLS: ${err.message}${code === '' ? '' : ` (${code})`}`, { cause: err });
  }
  return new NetworkError(`connection to ${where} failed: ${err.message}`, { cause: err });
}

/** The peer broke the MQTT protocol; `what` says how ("a second CONNACK on one connection"). */
export function explainProtocolViolation(spec: ConnectionSpec, what: string, cause?: Error): NetworkError {
  return new NetworkError(`${describeEndpoint(spec)} broke the MQTT protocol: ${what}`, { hint: PROTOCOL_VIOLATION_HINT, cause });
}

/** MQTT.js reported an error that is not a socket error: the peer sent something it could not parse. */
export function explainClientError(err: Error, spec: ConnectionSpec, progress: Progress): CliError {
  return explainForeignPeer(spec, progress) ?? explainProtocolViolation(spec, err.message, err);
}

/** The code a CONNACK carries: a reason code under MQTT 5, a return code before. */
export function connackCode(spec: Pick<ConnectionSpec, 'protocolVersion'>, packet: IConnackPacket): number {
  return (spec.protocolVersion === 5 ? packet.reasonCode : packet.returnCode) ?? 0;
}

/** What a refusing CONNACK adds in words: its reason string and server reference. */
function suffixOf(packet: IConnackPacket): string {
  const extras: string[] = [];
  const reasonString = packet.properties?.reasonString;
  if (reasonString !== undefined) extras.push(`broker says: "${reasonString}"`);
  const serverReference = packet.properties?.serverReference;
  if (serverReference !== undefined) extras.push(`server reference: ${serverReference}`);
  return extras.length > 0 ? ` (${extras.join('; ')})` : '';
}

/** A CONNACK that says no. */
export function explainRefusal(spec: ConnectionSpec, packet: IConnackPacket): ConnackError {
  const code = connackCode(spec, packet);
  const info = decodeConnack(spec.protocolVersion, code);
  let hint = info.hint;
  if (spec.protocolVersion === 5 && code === 1) {
    // Not an MQTT 5 reason code: a 3.1.1 broker's return code 0x01 [MQTT-3.2.2-4 of 3.1.1].
    return new ConnackError(`connection refused: unacceptable protocol version (0x01, an MQTT 3.1.1 return code)${suffixOf(packet)}`, {
      hint: 'The broker speaks MQTT 3.1.1 and not MQTT 5: drop -V 5, or use -V 311.',
    });
  }
  if (spec.protocolVersion === 5 && code === 0x84) hint = 'The broker does not speak MQTT 5: drop -V 5, or use -V 311.';
  if (spec.protocolVersion === 3 && code === 1) hint = 'The broker does not speak MQTT 3.1: use -V 311 (or drop -V).';
  if (code === 0x87 || (spec.protocolVersion !== 5 && code === 5)) {
    hint =
      spec.username === undefined
        ? 'The broker does not allow anonymous clients: pass -u and a password (MQTT_TOOL_PASSWORD, --password-file or -P).'
        : spec.password === undefined
          ? `User '${spec.username}' was sent without a password: give one (MQTT_TOOL_PASSWORD, --password-file or -P), or check that this user may connect.`
          : `Credentials were given (user '${spec.username}'): the likeliest cause is a wrong user name or password, or this user may not connect; a client certificate or an IP policy may also be required.`;
  }
  return new ConnackError(`connection refused: ${info.name} (${formatCode(code)})${suffixOf(packet)}`, {
    hint: hint === undefined ? info.meaning : `${info.meaning} ${hint}`,
  });
}

/** The connection closed before any CONNACK, with no socket error to go by. */
export function explainClosedBeforeConnack(spec: ConnectionSpec, progress: Progress): NetworkError {
  const foreign = explainForeignPeer(spec, progress);
  if (foreign !== undefined) return foreign;
  return new NetworkError(`${describeEndpoint(spec)} closed the connection before sending CONNACK`, { hint: closedBeforeConnackHint(spec) });
}

/** No CONNACK within --connect-timeout. */
export function explainNoConnack(spec: ConnectionSpec, progress: Progress): CliError {
  const seconds = spec.connectTimeoutMs / 1000;
  const foreign = explainForeignPeer(spec, progress);
  if (foreign !== undefined) return foreign;
  if (!progress.tcpConnected) {
    return new TimeoutError(`could not connect to ${spec.host}:${spec.port} within ${seconds} s`, {
      hint: 'The host may be down or a firewall drops the packets; check the address and port.',
    });
  }
  if (spec.tls !== undefined && !progress.tlsEstablished) {
    return new TimeoutError(`no TLS handshake with ${describeEndpoint(spec)} within ${seconds} s`, {
      hint: 'The port accepted TCP but did not answer TLS in time: is it a plain port (use mqtt://)? Raise --connect-timeout for slow links.',
    });
  }
  return new TimeoutError(`no CONNACK from ${describeEndpoint(spec)} within ${seconds} s`, { hint: noConnackHint(spec) });
}

/** The broker ended the session with a DISCONNECT (MQTT 5). */
export function explainServerDisconnect(spec: ConnectionSpec, packet: IDisconnectPacket): RejectedError {
  const { label, hint } = namedCode('disconnect', spec.protocolVersion, packet.reasonCode ?? 0);
  const says = packet.properties?.reasonString === undefined ? '' : ` (broker says: "${packet.properties.reasonString}")`;
  return new RejectedError(`the broker disconnected us: ${label}${says}`, { hint });
}

/** An established connection ended and will not be re-opened. */
export function explainLostConnection(spec: ConnectionSpec, progress: Progress, streamError: NodeJS.ErrnoException | undefined): CliError {
  if (streamError !== undefined) return explainStreamError(streamError, spec, progress);
  return new NetworkError(`connection to ${describeEndpoint(spec)} lost`, {
    hint: spec.reconnect.enabled
      ? 'The broker or the network dropped the connection; check the broker log.'
      : 'The broker or the network dropped the connection; check the broker log. sub and pub -l reconnect by themselves unless --no-reconnect is given.',
  });
}

/** The reconnect policy ran out of attempts. */
export function explainGaveUp(spec: ConnectionSpec): NetworkError {
  return new NetworkError(`gave up reconnecting to ${describeEndpoint(spec)} after ${spec.reconnect.maxAttempts ?? 0} attempts`, {
    hint: 'Is the broker running? Raise --max-reconnects to keep trying longer.',
  });
}

/** A command that needs MQTT 5 (what for: `purpose`) met a broker that refused it (`how`). */
export function explainNoMqtt5(spec: ConnectionSpec, how: string, purpose: string): ConnackError {
  return new ConnackError(`${purpose} needs MQTT 5, and ${describeEndpoint(spec)} does not offer it (${how})`, {
    hint: 'Point it at a broker that speaks MQTT 5, or upgrade this one.',
  });
}





/** The broker left a PINGREQ unanswered for half a keepalive. */
export function explainNoPingresp(spec: ConnectionSpec): NetworkError {
  return new NetworkError(`${describeEndpoint(spec)} stopped answering: no PINGRESP within ${spec.keepaliveSeconds / 2} s of a PINGREQ (keepalive ${spec.keepaliveSeconds} s)`, {
    hint: 'The broker or the link stalled. Long-running commands reconnect unless --no-reconnect is given; -k sets the keepalive.',
  });
}
