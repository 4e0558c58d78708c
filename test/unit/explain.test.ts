/** The connection layer's explanations: every branch, without a socket. */
import mqttPacket, { type IConnackPacket } from 'mqtt-packet';
import { describe, expect, test } from 'vitest';
import { buildConnectionSpec } from '../../src/setup/build-spec.js';
import type { ConnectionFlags } from '../../src/cli/connection-flags.js';
import {
  explainClientError,
  explainClosedBeforeConnack,
  explainForeignPeer,
  explainLostConnection,
  explainNoConnack,
  explainRefusal,
  explainServerDisconnect,
  explainStreamError,
} from '../../src/connection/explain.js';
import { classifyPeerReply } from '../../src/connection/peer-reply.js';
import { freshProgress, type Progress } from '../../src/connection/transport/progress.js';
import { ExitCode } from '../../src/errors.js';

const spec = (flags: ConnectionFlags, longRunning = false) =>
  buildConnectionSpec(flags, { env: {}, readFile: () => Buffer.from('CA'), readCaDirectory: () => [], osCaCertificates: () => [], randomId: () => 'x', longRunning });
const progress = (over: Partial<Progress>): Progress => ({ ...freshProgress(), ...over });
const errno = (code: string, message = code): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

describe('socket errors, by how far the attempt got', () => {
  test.each([
    ['ECONNREFUSED', 'connection refused (nothing is listening there)', ExitCode.network],
    ['ENOTFOUND', "could not resolve host name 'localhost'", ExitCode.network],
    ['EHOSTUNREACH', 'host unreachable', ExitCode.network],
    ['ENETUNREACH', 'network unreachable', ExitCode.network],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS: the broker certificate is self-signed and not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)', ExitCode.tls],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "does not cover the name 'localhost'", ExitCode.tls],
    ['ERR_SSL_SOMETHING_NEW', 'TLS: ERR_SSL_SOMETHING_NEW', ExitCode.tls],
    ['EWHATEVER', 'failed: EWHATEVER', ExitCode.network],
  ])('%s', (code, words, exit) => {
    const e = explainStreamError(errno(code), spec({ url: 'mqtts://localhost' }), progress({}));
    expect(e.message).toContain(words);
    expect(e.exitCode).toBe(exit);
  });

  test('a reset during the TLS handshake is a TLS problem; after it, or after CONNACK, it is not', () => {
    const s = spec({ url: 'mqtts://localhost' });
    expect(explainStreamError(errno('ECONNRESET'), s, progress({ tcpConnected: true })).message).toContain('during the TLS handshake');
    const afterTls = explainStreamError(errno('ECONNRESET'), s, progress({ tcpConnected: true, tlsEstablished: true }));
    expect(afterTls.message).toBe('connection to mqtts://localhost:8883 was reset by the peer');
    expect(afterTls.exitCode).toBe(ExitCode.network);
    const midSession = explainStreamError(errno('ECONNRESET'), spec({ url: 'wss://localhost/mqtt' }), progress({ tcpConnected: true, tlsEstablished: true, mqttAccepted: true }));
    expect(midSession.message).toBe('wss://localhost:443/mqtt dropped the connection');
  });

  test('a refused WebSocket upgrade names the HTTP status and the path', () => {
    const e = explainStreamError(errno('', 'Unexpected server response: 404'), spec({ url: 'ws://localhost:9001/ws' }), progress({ tcpConnected: true }));
    expect(e.message).toBe('ws://localhost:9001/ws: the WebSocket upgrade was refused with HTTP 404');
    expect(e.hint).toContain('this one was /ws');
  });
});

describe('no CONNACK in time', () => {
  test('no TCP connection: the host, not the broker (ws:// included)', () => {
    for (const url of ['mqtt://localhost:1', 'ws://localhost:1/mqtt']) {
      const e = explainNoConnack(spec({ url, connectTimeout: 2 }), progress({}));
      expect(e.message).toBe('could not connect to localhost:1 within 2 s');
      expect(e.hint).not.toContain('accepted TCP');
      expect(e.exitCode).toBe(ExitCode.timeout);
    }
  });
  test('TCP but no TLS handshake', () => {
    expect(explainNoConnack(spec({ url: 'mqtts://localhost' }), progress({ tcpConnected: true })).message).toBe('no TLS handshake with mqtts://localhost:8883 within 10 s');
  });
  test('connected, silent: a hint per transport', () => {
    expect(explainNoConnack(spec({ url: 'mqtt://localhost' }), progress({ tcpConnected: true })).hint).toContain('use mqtts://');
    expect(explainNoConnack(spec({ url: 'mqtts://localhost' }), progress({ tcpConnected: true, tlsEstablished: true })).hint).toContain('use wss://');
    expect(explainNoConnack(spec({ url: 'ws://localhost/mqtt' }), progress({ tcpConnected: true })).hint).toContain('check the path');
  });
});

describe('a peer that is not a broker', () => {
  const http = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  test('a web server answering mqtt:// names ws:// with the /mqtt path (wss:// over TLS)', () => {
    const e = explainClientError(new Error('Invalid header flag bits, must be 0x0 for puback packet'), spec({ url: 'mqtt://127.0.0.1:8080' }), progress({ tcpConnected: true, firstBytes: http }));
    expect(e.message).toBe('mqtt://127.0.0.1:8080 answered like a web server ("HTTP/1.1 400 Bad Request"), not an MQTT broker');
    expect(e.hint).toContain('use ws://127.0.0.1:8080/mqtt');
    expect(e.exitCode).toBe(ExitCode.network);
    expect(explainForeignPeer(spec({ url: 'mqtts://[::1]:8443' }), progress({ firstBytes: http }))?.hint).toContain('wss://[::1]:8443/mqtt');
    expect(explainClosedBeforeConnack(spec({ url: 'mqtt://localhost' }), progress({ firstBytes: http })).message).toContain('web server');
    expect(explainNoConnack(spec({ url: 'mqtt://localhost' }), progress({ tcpConnected: true, firstBytes: http })).message).toContain('web server');
  });
  test('SSH, TLS and other bytes', () => {
    const s = spec({ url: 'mqtt://localhost:22' });
    expect(explainForeignPeer(s, progress({ firstBytes: Buffer.from('SSH-2.0-OpenSSH_9.2\r\n') }))?.message).toContain('is an SSH server');
    expect(explainForeignPeer(s, progress({ firstBytes: Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]) }))?.hint).toContain('mqtts://');
    expect(explainForeignPeer(s, progress({ firstBytes: Buffer.from('garbage!') }))?.message).toContain('not MQTT (67617262616765');
  });
  test('a parse error from a broker that did send MQTT is a protocol violation', () => {
    const connack = mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false } as never);
    const e = explainClientError(new Error('Malformed'), spec({}), progress({ tcpConnected: true, firstBytes: connack }));
    expect(e.message).toBe('mqtt://localhost:1883 broke the MQTT protocol: Malformed');
  });
  test('classifyPeerReply waits for enough bytes', () => {
    expect(classifyPeerReply(Buffer.alloc(0), 4)).toBeUndefined();
    expect(classifyPeerReply(Buffer.from([0x20]), 4)).toBeUndefined();
    expect(classifyPeerReply(Buffer.from([0x20, 0x02, 0x00, 0x00]), 4)).toMatchObject({ kind: 'connack' });
  });
});

describe('refusals and ends', () => {
  const connack = (over: Partial<IConnackPacket>): IConnackPacket => ({ cmd: 'connack', sessionPresent: false, ...over }) as IConnackPacket;
  test('MQTT 5 "unsupported protocol version" says to retry with -V 311', () => {
    const e = explainRefusal(spec({}), connack({ reasonCode: 0x84 }));
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toContain('(0x84)');
  });
  test('anonymous refused: the hint says how to give credentials, only when none were given', () => {
    expect(explainRefusal(spec({ protocolVersion: 4 }), connack({ returnCode: 5 })).hint).toContain('pass -u');
    expect(explainRefusal(spec({ protocolVersion: 4, username: 'a' }), connack({ returnCode: 5 })).hint).not.toContain('pass -u');
  });
  test('a user name sent without a password is named as such, not as a wrong password', () => {
    const noPassword = explainRefusal(spec({ username: 'a' }), connack({ reasonCode: 0x87 })).hint;
    expect(noPassword).toContain("User 'a' was sent without a password");
    expect(noPassword).not.toContain('wrong user name or password');
    const withPassword = explainRefusal(spec({ username: 'a', password: 'x' }), connack({ reasonCode: 0x87 })).hint;
    expect(withPassword).toContain('wrong user name or password');
  });
  test('reason string and server reference are quoted', () => {
    const e = explainRefusal(spec({}), connack({ reasonCode: 0x9d, properties: { reasonString: 'moved', serverReference: 'b2' } }));
    expect(e.message).toContain('(broker says: "moved"; server reference: b2)');
  });
  test('a server DISCONNECT is a refused operation, with its reason string', () => {
    const e = explainServerDisconnect(spec({}), { cmd: 'disconnect', reasonCode: 0x8e, properties: { reasonString: 'taken over' } } as never);
    expect(e.exitCode).toBe(ExitCode.rejected);
    expect(e.message).toContain('(0x8E)');
    expect(e.message).toContain('broker says: "taken over"');
  });
  test('a lost connection names the socket error when there was one', () => {
    expect(explainLostConnection(spec({}), progress({ mqttAccepted: true }), errno('ECONNRESET')).message).toBe('mqtt://localhost:1883 dropped the connection');
    const lost = explainLostConnection(spec({}), progress({ mqttAccepted: true }), undefined);
    expect(lost.message).toBe('connection to mqtt://localhost:1883 lost');
    expect(lost.exitCode).toBe(ExitCode.network);
  });
});
