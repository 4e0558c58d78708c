/**
 * After the first CONNACK: the connection watched until it ends. Broken packets from the
 * broker end it as a protocol error; a lost link is re-opened as the reconnect policy says;
 * a refusal or a server DISCONNECT is explained. Prints nothing: events go to `notice`.
 */
import type { IConnackPacket, MqttClient, Packet } from 'mqtt';
import type { CliError } from '../errors.js';
import { describeEndpoint } from '../protocol/endpoint.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { connackCode, explainGaveUp, explainLostConnection, explainNoPingresp, explainProtocolViolation, explainRefusal, explainServerDisconnect } from './explain.js';
import { PROTOCOL_VIOLATION, protocolViolationError } from './ack-tap.js';
import { publishViolation } from './inbound-checks.js';
import { watchPingresp } from './keepalive.js';
import { isRetryable, type EndCause, type ReconnectSchedule } from './reconnect.js';
import type { Progress } from './transport/progress.js';

export type Notice = (line: string) => void;

/**
 * After the first CONNACK: watch the connection. Returns a promise that settles
 * with undefined after a clean close, or with the error that ended the session.
 */
export function supervise(
  client: MqttClient,
  spec: ConnectionSpec,
  notice: Notice,
  lastStreamError: () => NodeJS.ErrnoException | undefined,
  progress: Progress,
  schedule: ReconnectSchedule,
): Promise<CliError | undefined> {
  return new Promise((resolve) => {
    let lost = false;
    /** Between a lost connection and the next CONNACK: the only time a CONNACK may arrive. */
    let awaitingConnack = false;
    let pendingRefusal: IConnackPacket | undefined;
    let serverDisconnect: { error: CliError; code: number } | undefined;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err: CliError | undefined): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      if (err !== undefined) client.end(true);
      resolve(err);
    };

    client.on('packetreceive', (packet: Packet) => {
      // One CONNACK per connection [MQTT-3.2.0-2 of 3.1.1]: a second one is a broken broker, not a refusal.
      const violation =
        packet.cmd === 'connack' && !awaitingConnack ? 'a second CONNACK on one connection' : packet.cmd === 'publish' ? publishViolation(packet, spec.protocolVersion) : undefined;
      if (violation !== undefined) {
        finish(explainProtocolViolation(spec, violation));
        client.stream.destroy();
        return;
      }
      if (packet.cmd === 'connack') pendingRefusal = packet;
      if (packet.cmd === 'disconnect') {
        serverDisconnect = { error: explainServerDisconnect(spec, packet), code: packet.reasonCode ?? 0 };
        // After a server DISCONNECT the connection is over [MQTT-3.14.4-1]; do not wait for the broker to close it.
        client.stream.destroy();
      }
    });
    client.on('error', (err: Error) => {
      // A socket's own error is classified on 'close', which follows it. Any other error is MQTT.js
      // failing to read what the broker sent; it leaves the connection open, so end it here as the
      // protocol error it is, or the session would wait on a stream nothing more will come from.
      if (err === lastStreamError() || client.stream.destroyed) return;
      client.stream.destroy(protocolViolationError(err.message));
    });
    let unanswered: CliError | undefined;
    watchPingresp(client, spec.keepaliveSeconds, () => {
      unanswered = explainNoPingresp(spec);
    });
    client.on('connect', () => {
      pendingRefusal = undefined;
      serverDisconnect = undefined;
      awaitingConnack = false;
      if (lost) notice(`reconnected to ${describeEndpoint(spec)}`);
      lost = false;
      schedule.connected();
    });
    client.on('end', () => finish(undefined));
    client.on('close', () => {
      if (done || client.disconnecting) return;
      const refused = pendingRefusal;
      pendingRefusal = undefined;
      const cause: EndCause =
        refused !== undefined
          ? { kind: 'refused', code: connackCode(spec, refused) }
          : serverDisconnect !== undefined
            ? { kind: 'server-disconnect', code: serverDisconnect.code }
            : lastStreamError()?.code === PROTOCOL_VIOLATION
              ? { kind: 'protocol-violation' }
              : { kind: 'lost' };
      const silent = unanswered;
      unanswered = undefined;
      const error = (): CliError =>
        refused !== undefined ? explainRefusal(spec, refused) : (serverDisconnect?.error ?? silent ?? explainLostConnection(spec, progress, lastStreamError()));
      if (!isRetryable(cause, spec.protocolVersion) || !spec.reconnect.enabled) {
        finish(error());
        return;
      }
      const delayMs = schedule.nextDelayMs();
      if (delayMs === undefined) {
        finish(explainGaveUp(spec));
        return;
      }
      if (!lost) {
        notice(`${serverDisconnect?.error.message ?? silent?.message ?? 'connection lost'}; reconnecting to ${describeEndpoint(spec)} (backoff from ${delayMs / 1000} s)`);
        lost = true;
      }
      awaitingConnack = true;
      timer = setTimeout(() => {
        timer = undefined;
        if (!done && !client.disconnecting) client.reconnect();
      }, delayMs);
    });
  });
}
