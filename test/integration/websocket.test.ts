/**
 * ws:// and wss:// against a real broker: aedes behind a real WebSocket server (Debian's
 * Mosquitto 2.0.11 fails to open a websockets listener in this environment), and what
 * each command says when the URL's scheme does not match the listener.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { readFileSync } from 'node:fs';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { collect, runCli, spawnCli, waitForStderr } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;

let broker: Aedes;
let server: http.Server;
let secure: https.Server;
let port: number;
let securePort: number;
const secureSockets = new Set<net.Socket>();

function serveMqtt(s: http.Server | https.Server): void {
  const wss = new WebSocketServer({ server: s, path: '/mqtt' });
  wss.on('connection', (socket) => broker.handle(createWebSocketStream(socket) as never));
}

async function listen(s: http.Server | https.Server): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = http.createServer();
  serveMqtt(server);
  port = await listen(server);
  secure = https.createServer({ cert: readFileSync(`${TLS}valid-chain.crt`), key: readFileSync(`${TLS}valid.key`) });
  secure.on('connection', (s: net.Socket) => {
    secureSockets.add(s);
    s.on('close', () => secureSockets.delete(s));
  });
  serveMqtt(secure);
  securePort = await listen(secure);
});
afterAll(async () => {
  for (const s of [server, secure]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await new Promise<void>((r) => broker.close(() => r()));
});

test('pub and sub over ws:// (default path /mqtt)', async () => {
  const url = `ws://127.0.0.1:${port}`;
  const sub = spawnCli(['sub', '-L', url, '-V', '311', '-t', 'ws/#', '-v', '-C', '1', '-d']);
  const done = collect(sub);
  await waitForStderr(sub, '<-- SUBACK');
  const pub = await runCli(['pub', '-L', url, '-V', '311', '-t', 'ws/a', '-m', 'over websocket', '-q', '1']);
  expect(pub.code).toBe(0);
  const r = await done;
  expect(r).toMatchObject({ code: 0, stdout: 'ws/a over websocket\n' });
});

test('a wrong WebSocket path fails with the network code', async () => {
  const r = await runCli(['pub', '-L', `ws://127.0.0.1:${port}/nope`, '-V', '311', '-t', 'x', '-m', 'y', '--connect-timeout', '3']);
  expect(r.code).toBe(4);
  expect(r.stderr).toContain('the WebSocket upgrade was refused with HTTP 400');
  expect(r.stderr).toContain('hint: Check the path');
});

test('ws:// to a port where nothing listens: refused, never "accepted TCP"', async () => {
  const closed = await freePort();
  const r = await runCli(['pub', '-L', `ws://127.0.0.1:${closed}/mqtt`, '-V', '311', '-t', 'x', '-m', 'y', '--connect-timeout', '3']);
  expect(r.code).toBe(4);
  expect(r.stderr).toContain(`cannot connect to 127.0.0.1:${closed}: connection refused`);
  expect(r.stderr).not.toContain('accepted TCP');
});

describe('wss://', () => {
  test('verified with --cafile, pub and sub work', async () => {
    const url = `wss://localhost:${securePort}`;
    const sub = spawnCli(['sub', '-L', url, '--cafile', `${TLS}ca.crt`, '-V', '311', '-t', 'wss/#', '-v', '-C', '1', '-d']);
    const done = collect(sub);
    await waitForStderr(sub, '<-- SUBACK');
    const pub = await runCli(['pub', '-L', url, '--cafile', `${TLS}ca.crt`, '-V', '311', '-t', 'wss/a', '-m', 'secure', '-q', '1']);
    expect(pub).toMatchObject({ code: 0, stderr: '' });
    expect(await done).toMatchObject({ code: 0, stdout: 'wss/a secure\n' });
  });

  test('a reset in the middle of a session is a dropped connection, not a TLS handshake failure', async () => {
    const sub = spawnCli(['sub', '-L', `wss://localhost:${securePort}`, '--cafile', `${TLS}ca.crt`, '-V', '311', '-t', 'wss/#', '--no-reconnect', '-d']);
    const done = collect(sub);
    await waitForStderr(sub, '<-- SUBACK');
    for (const s of secureSockets) s.resetAndDestroy();
    const r = await done;
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/mqtt-tool: (wss:\/\/localhost:\d+\/mqtt dropped the connection|connection to wss:\/\/localhost:\d+\/mqtt (was reset by the peer|lost))/);
    expect(r.stderr).not.toContain('TLS handshake');
  });

  test('an untrusted certificate is a TLS error (exit 5)', async () => {
    const r = await runCli(['pub', '-L', `wss://localhost:${securePort}`, '-V', '311', '-t', 'x', '-m', 'y']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^mqtt-tool: TLS: /);
  });
});

describe('mqtt:// sent to a WebSocket listener', () => {
  test.each([
    ['pub', ['pub', '-t', 'x', '-m', 'y']],
    ['sub', ['sub', '-t', 'x']],
    ['rr', ['rr', '-t', 'x', '-e', 'x/reply', '-m', 'y']],
  ])('%s: "a web server", exit 4, hint ws://host:port/mqtt', async (_name, args) => {
    const r = await runCli([...args, '-L', `mqtt://127.0.0.1:${port}`, '--connect-timeout', '5']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`mqtt-tool: mqtt://127.0.0.1:${port} answered like a web server ("HTTP/1.1 400 Bad Request"), not an MQTT broker`);
    expect(r.stderr).toContain(`use ws://127.0.0.1:${port}/mqtt`);
  });
});
