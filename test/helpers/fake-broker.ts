/**
 * A scripted fake broker built on mqtt-packet, only for what no real broker
 * can be made to send: each CONNACK code, silence after CONNECT, a dropped
 * PUBACK, a server DISCONNECT with a reason, bytes that are not MQTT, a malformed
 * packet, a socket left open after DISCONNECT.
 */
import net from 'node:net';
import mqttPacket, { type IConnackPacket, type Packet } from 'mqtt-packet';

export type FakeBehaviour =
  | { kind: 'connack'; code: number; version: 4 | 5; properties?: IConnackPacket['properties'] }
  | { kind: 'silent' }
  | { kind: 'close-after-connect' }
  | { kind: 'raw'; bytes: Buffer }
  | { kind: 'drop-puback' }
  | { kind: 'disconnect-after-connack'; code: number }
  | { kind: 'puback-code'; code: number }
  | { kind: 'refuse-then-accept'; code: number; refusals: number }
  /** Answers a QoS 1/2 PUBLISH with a remaining length of five bytes, and keeps the socket open. */
  | { kind: 'malformed-ack' }
  /** Acknowledges as usual but never closes the socket after our DISCONNECT. */
  | { kind: 'ignore-disconnect' }
  /** Sends a second CONNACK (code 0) 50 ms after the first. */
  | { kind: 'second-connack' }
  /** Answers CONNECT with these bytes and keeps the socket open. */
  | { kind: 'raw-after-connect'; bytes: Buffer }
  /** Sends a good CONNACK one byte every `everyMs`. */
  | { kind: 'drip-connack'; everyMs: number }
  /** CONNACK, then silence: no SUBACK, no PUBACK, no PINGRESP. */
  | { kind: 'quiet-after-connack' }
  /** SUBACK, then a QoS 1 PUBLISH with packet id 0 [MQTT-2.2.1-3 of 3.1.1]. */
  | { kind: 'publish-id-0' }
  /** SUBACK, then a QoS 0 PUBLISH whose topic is the bytes 0x61 0xFF (not UTF-8). */
  | { kind: 'publish-bad-utf8' }
  /** Everything as usual, but PINGREQ is never answered. */
  | { kind: 'no-pingresp' }
  /** PUBREC as usual, then PUBCOMP with this reason code (0x92: the broker lost the id). */
  | { kind: 'pubcomp-code'; code: number }
  /** SUBACK as usual, then these bytes. */
  | { kind: 'after-suback'; bytes: Buffer }
  /** A QoS 1/2 PUBLISH is answered with these bytes instead of its acknowledgement. */
  | { kind: 'answer-publish'; bytes: Buffer }
  /** The first connection's SUBSCRIBE gets one byte of a SUBACK, then the socket closes; later ones are answered. */
  | { kind: 'cut-suback-once' }
  /** SUBACK with the packet identifier one above the SUBSCRIBE's. */
  | { kind: 'suback-wrong-id' }
  /** SUBACK with this code for every filter. */
  | { kind: 'suback-code'; code: number };

export interface FakeBroker {
  readonly port: number;
  /** How many TCP connections arrived. */
  connections(): number;
  received(): Packet[];
  close(): Promise<void>;
}

export async function startFakeBroker(behaviour: FakeBehaviour): Promise<FakeBroker> {
  let connections = 0;
  const packets: Packet[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (behaviour.kind === 'raw') {
      socket.end(behaviour.bytes);
      return;
    }
    let version: 4 | 5 = 4;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const send = (p: Record<string, unknown>): void => {
      socket.write(mqttPacket.generate(p as unknown as Packet, { protocolVersion: version }));
    };
    parser.on('packet', (packet: Packet) => {
      packets.push(packet);
      if (packet.cmd === 'connect') {
        version = packet.protocolVersion === 5 ? 5 : 4;
        switch (behaviour.kind) {
          case 'silent':
            return;
          case 'close-after-connect':
            socket.destroy();
            return;
          case 'connack':
            version = behaviour.version;
            send({
              cmd: 'connack',
              sessionPresent: false,
              ...(behaviour.version === 5 ? { reasonCode: behaviour.code, properties: behaviour.properties } : { returnCode: behaviour.code }),
            });
            return;
          case 'refuse-then-accept':
            if (connections <= behaviour.refusals) {
              send({ cmd: 'connack', sessionPresent: false, reasonCode: behaviour.code, returnCode: behaviour.code });
              setTimeout(() => socket.destroy(), 20);
            } else {
              send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, returnCode: 0 });
            }
            return;
          case 'raw-after-connect':
            socket.write(behaviour.bytes);
            return;
          case 'drip-connack': {
            const bytes = mqttPacket.generate({ cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 10 } } as unknown as Packet, { protocolVersion: 5 });
            let i = 0;
            const timer = setInterval(() => {
              if (i >= bytes.length || socket.destroyed) {
                clearInterval(timer);
                return;
              }
              socket.write(bytes.subarray(i, ++i));
            }, behaviour.everyMs);
            return;
          }
          case 'second-connack':
            send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, returnCode: 0 });
            setTimeout(() => send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, returnCode: 0 }), 50);
            return;
          case 'disconnect-after-connack':
            send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, returnCode: 0 });
            setTimeout(() => {
              send({ cmd: 'disconnect', reasonCode: behaviour.code });
              setTimeout(() => socket.destroy(), 20);
            }, 50);
            return;
          default:
            send({ cmd: 'connack', sessionPresent: false, reasonCode: 0, returnCode: 0 });
        }
      } else if (behaviour.kind === 'quiet-after-connack') {
        return;
      } else if (packet.cmd === 'subscribe' && behaviour.kind === 'publish-bad-utf8') {
        send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
        socket.write(Buffer.from([0x30, version === 5 ? 0x06 : 0x05, 0x00, 0x02, 0x61, 0xff, ...(version === 5 ? [0x00] : []), 0x70]));
      } else if (packet.cmd === 'subscribe' && behaviour.kind === 'after-suback') {
        send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
        socket.write(behaviour.bytes);
      } else if (packet.cmd === 'subscribe' && behaviour.kind === 'cut-suback-once' && connections === 1) {
        socket.end(Buffer.from([0x90]));
      } else if (packet.cmd === 'subscribe' && behaviour.kind === 'suback-code') {
        send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(() => behaviour.code) });
      } else if (packet.cmd === 'subscribe' && behaviour.kind === 'suback-wrong-id') {
        send({ cmd: 'suback', messageId: ((packet.messageId ?? 0) % 65_535) + 1, granted: packet.subscriptions.map((s) => s.qos) });
      } else if (packet.cmd === 'subscribe' && behaviour.kind === 'publish-id-0') {
        send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
        // Hand-made: mqtt-packet refuses to encode packet id 0. PUBLISH QoS 1, topic "x", id 0, payload "p".
        socket.write(Buffer.from([0x32, version === 5 ? 0x07 : 0x06, 0x00, 0x01, 0x78, 0x00, 0x00, ...(version === 5 ? [0x00] : []), 0x70]));
      } else if (packet.cmd === 'publish' && packet.qos > 0) {
        if (behaviour.kind === 'drop-puback') return;
        if (behaviour.kind === 'answer-publish') {
          socket.write(behaviour.bytes);
          return;
        }
        if (behaviour.kind === 'malformed-ack') {
          socket.write(Buffer.from([0x40, 0xff, 0xff, 0xff, 0xff, 0x01]));
          return;
        }
        const code = behaviour.kind === 'puback-code' ? behaviour.code : 0;
        send({ cmd: packet.qos === 1 ? 'puback' : 'pubrec', messageId: packet.messageId, reasonCode: code });
      } else if (packet.cmd === 'pubrel') {
        send({ cmd: 'pubcomp', messageId: packet.messageId, reasonCode: behaviour.kind === 'pubcomp-code' ? behaviour.code : 0 });
      } else if (packet.cmd === 'pingreq' && behaviour.kind !== 'no-pingresp') {
        send({ cmd: 'pingresp' });
      } else if (packet.cmd === 'subscribe') {
        send({ cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map((s) => s.qos) });
      } else if (packet.cmd === 'disconnect' && behaviour.kind !== 'ignore-disconnect') {
        socket.end();
      }
    });
    // Bytes that are not MQTT (a TLS hello from a probe) end this connection, as a broker would.
    parser.on('error', () => socket.destroy());
    socket.on('data', (d: Buffer) => parser.parse(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections: () => connections,
    received: () => packets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
