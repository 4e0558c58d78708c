/** sub's exchanges with the broker: UNSUBSCRIBE (-U), SUBSCRIBE, and what the SUBACK granted or refused. */
import type { ISubscriptionMap } from 'mqtt';
import type { ISubackPacket } from 'mqtt-packet';
import { describeRefusal, namedCode } from '../connection/explain.js';
import type { Session } from '../connection/session.js';
import { RejectedError, TimeoutError } from '../errors.js';
import type { Terminal } from '../io/terminal.js';
import type { Mqtt5Properties } from '../protocol/spec.js';
import type { ProtocolVersion, Qos } from '../protocol/types.js';

/** How long -U waits for the UNSUBACK. */
const UNSUBACK_TIMEOUT_MS = 10_000;

/** -U: UNSUBSCRIBE before subscribing; MQTT 5 reason codes named (0x11: there was no such subscription). */
export async function unsubscribe(session: Session, filters: readonly string[], term: Terminal, properties: Mqtt5Properties | undefined): Promise<void> {
  // mqtt-packet puts an MQTT 5 UNSUBACK's reason codes in `granted`; a 3.1.1 UNSUBACK has none.
  const unsuback = await new Promise<{ granted?: number[] } | undefined>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new TimeoutError(`no UNSUBACK within ${UNSUBACK_TIMEOUT_MS / 1000} s for -U ${filters.join(' ')}`, { hint: 'The broker did not answer the UNSUBSCRIBE: check its log.' })),
      UNSUBACK_TIMEOUT_MS,
    );
    session.client.unsubscribe([...filters], properties === undefined ? {} : { properties: properties as never }, (err, packet) => {
      clearTimeout(timer);
      if (err !== undefined && err !== null && packet === undefined) reject(new RejectedError(`unsubscribing failed: ${err.message}`));
      else resolve(packet as { granted?: number[] } | undefined);
    });
  });
  (unsuback?.granted ?? []).forEach((code, i) => {
    if (code === 0) return;
    const { label, hint } = namedCode('unsuback', 5, code);
    const line = `unsubscribing from '${filters[i]}': ${label}`;
    if (code >= 0x80) term.warn(`${line}; ${hint}`);
    else term.notice(line);
  });
}

/**
 * SUBSCRIBE, resolved with the SUBACK that answers it (MQTT.js matches the packet id), or with
 * undefined when the connection ended first: a reconnect subscribes again.
 */
export function subscribe(session: Session, map: ISubscriptionMap, properties: Mqtt5Properties | undefined): Promise<ISubackPacket | undefined> {
  const props = properties === undefined ? {} : { properties: properties as never };
  return new Promise((resolve) => {
    // A refusal arrives as an error that carries its SUBACK: checkSuback names each refused filter.
    session.client.subscribe(map, props, (_err, _granted, suback) => resolve(suback));
  });
}

/** Names each refused filter and each lower QoS granted; throws when every filter was refused. */
export function checkSuback(suback: ISubackPacket, filters: readonly string[], version: ProtocolVersion, asked: Qos, term: Terminal): void {
  (suback.granted as number[]).forEach((code, i) => {
    if (code < asked) term.notice(`subscription to '${filters[i]}' granted QoS ${code}, not ${asked}: the broker delivers these messages at QoS ${code} at most`);
  });
  const refused = (suback.granted as number[]).flatMap((code, i) => {
    if (code < 0x80) return [];
    return [describeRefusal(`subscription to '${filters[i]}'`, 'suback', version, code)];
  });
  const first = refused[0];
  if (first !== undefined && refused.length === filters.length) {
    throw new RejectedError(refused.length > 1 ? `${first.message} (and ${refused.length - 1} more)` : first.message, { hint: first.hint });
  }
  for (const r of refused) term.warn(`${r.message}; ${r.hint}`);
}
