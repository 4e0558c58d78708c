/** The checking proxy in front of every test Mosquitto sees what a client sends, and names the rule it breaks. */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { expect, test } from 'vitest';
import { takeViolations } from '../helpers/checking-proxy.js';
import { startMosquitto } from '../helpers/mosquitto.js';

test('a client that publishes to a wildcard topic and sends after DISCONNECT is reported, rule by rule', async () => {
  const b = await startMosquitto();
  try {
    const socket = net.connect({ host: '127.0.0.1', port: b.port });
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    const packet = (p: Record<string, unknown>): Buffer => mqttPacket.generate(p as unknown as Packet, { protocolVersion: 4 });
    const connack = new Promise((r) => socket.once('data', r));
    socket.write(packet({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'rule-breaker', keepalive: 30 }));
    await connack;
    // One write, so all three reach the proxy before the broker closes the connection over the first.
    const wildcard = Buffer.concat([Buffer.from([0x30, 0x06, 0x00, 0x03]), Buffer.from('a/#'), Buffer.from('x')]);
    socket.write(Buffer.concat([wildcard, packet({ cmd: 'disconnect' }), packet({ cmd: 'pingreq' })]));
    await new Promise((r) => socket.once('close', r));
    expect(takeViolations().map((v) => `${v.rule} ${v.client}`)).toEqual(['MQTT-3.3.2-2 rule-breaker', 'MQTT-3.14.4-1 rule-breaker']);
  } finally {
    await b.stop();
  }
});
