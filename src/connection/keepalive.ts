/**
 * The keepalive watch. A PINGRESP is due half a keepalive after the PINGREQ, so a silent broker
 * is found within 1.5 x keepalive, the bound the spec sets for the server [MQTT-3.1.2-24];
 * MQTT.js alone waits a whole keepalive more.
 */
import type { Duplex } from 'node:stream';
import type { MqttClient, Packet } from 'mqtt';

/** Calls `silent` and destroys the stream when a PINGREQ of this client goes unanswered for half a keepalive. */
export function watchPingresp(client: MqttClient, keepaliveSeconds: number, silent: () => void): void {
  let pingTimer: NodeJS.Timeout | undefined;
  client.on('packetsend', (packet: Packet) => {
    if (packet.cmd !== 'pingreq' || pingTimer !== undefined || keepaliveSeconds === 0) return;
    const check = (): void => {
      // A slow reader (sub into a paused pager) leaves the PINGRESP unread behind other packets: not the broker's fault.
      const stream = client.stream as Duplex;
      if (stream.readableLength > 0 || stream.readableFlowing === false) {
        pingTimer = setTimeout(check, keepaliveSeconds * 500).unref();
        return;
      }
      pingTimer = undefined;
      silent();
      stream.destroy();
    };
    pingTimer = setTimeout(check, keepaliveSeconds * 500).unref();
  });
  client.on('packetreceive', (packet: Packet) => {
    if (packet.cmd === 'pingresp' && pingTimer !== undefined) {
      clearTimeout(pingTimer);
      pingTimer = undefined;
    }
  });
  client.on('close', () => {
    if (pingTimer !== undefined) clearTimeout(pingTimer);
    pingTimer = undefined;
  });
}
