/**
 * ws:// transport against a real broker: aedes behind a real WebSocket server (Debian's
 * Mosquitto 2.0.11 fails to open a websockets listener in this environment).
 */
import http from 'node:http';
import type net from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { collect, runCli, spawnCli, waitForStderr } from '../helpers/cli.js';

let server: http.Server;
let broker: Aedes;
let port: number;
beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/mqtt' });
  wss.on('connection', (socket) => broker.handle(createWebSocketStream(socket) as never));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
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
  expect([4, 6]).toContain(r.code);
  expect(r.stderr).toContain('the WebSocket upgrade was refused with HTTP 400');
  expect(r.stderr).toContain('hint: Check the path');
});
