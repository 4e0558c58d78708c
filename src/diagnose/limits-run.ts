/**
 * `diagnose --limits`: every limit probed on a private topic prefix, under the version the broker
 * accepted and, when it speaks both, under 3.1.1 as well; bounded in time, connections and
 * messages, with the retained messages and sessions it made removed at the end.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectOptions } from '../connection/session.js';
import { RejectedError, type CliError } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import type { ProtocolVersion } from '../protocol/types.js';
import { LimitsKit } from './limits-kit.js';
import { maxQos, rateLimit, receiveMaximumLimit, retainLimit, sessionLimit, sharedLimit, subscriptionIdLimit, topicAliasLimit, wildcardLimit, willDelayLimit } from './limits-features.js';
import type { Limit, LimitKey, LimitsRun } from '../report/limits-model.js';
import { clientIdLimit, emptyClientId, keepaliveLimit, payloadLimit, topicLengthLimit, topicLevelsLimit } from './limits-sizes.js';

const PICK_PREFIX = 'Use --test-topic with a prefix this client may subscribe and publish to.';

export interface LimitsOptions {
  readonly testTopic: string;
  /** The whole probe's bound, both versions together. */
  readonly timeoutMs: number;
  /** --limits-rate: the highest publish rate to try; undefined: no rate probe. */
  readonly rateCeiling: number | undefined;
  readonly connect: ConnectOptions;
}

/** The versions to probe: the accepted one, plus 3.1.1 after MQTT 5 unless the user chose the version. */
export function versionsToProbe(accepted: ProtocolVersion, versionExplicit: boolean): ProtocolVersion[] {
  return accepted === 5 && !versionExplicit ? [5, 4] : [accepted];
}

export async function probeLimits(spec: ConnectionSpec, versions: readonly ProtocolVersion[], o: LimitsOptions): Promise<LimitsRun[] | CliError> {
  const deadline = performance.now() + o.timeoutMs;
  const runs: LimitsRun[] = [];
  for (const [i, version] of versions.entries()) {
    // The first version gets the larger share of the time; what is left goes to the next.
    const share = i === versions.length - 1 ? deadline : performance.now() + (deadline - performance.now()) * 0.6;
    const run = await probeVersion({ ...spec, protocolVersion: version, protocolVersionDefaulted: false }, o, share);
    if (!('limits' in run)) {
      if (i === 0) return run;
      continue;
    }
    runs.push(run);
  }
  return runs;
}

async function probeVersion(spec: ConnectionSpec, o: LimitsOptions, deadline: number): Promise<LimitsRun | CliError> {
  const t0 = performance.now();
  const prefix = `${o.testTopic}/limits/${randomBytes(4).toString('hex')}`;
  const base = { ...spec, clientId: `${spec.clientId.slice(0, 16)}-${randomBytes(2).toString('hex')}` };
  const kit = await LimitsKit.start(base, o.connect, prefix, deadline);
  if (!(kit instanceof LimitsKit)) return kit;
  const first = kit.receiver;
  const limits: Partial<Record<LimitKey, Limit>> = {};
  let outOfTime = false;
  try {
    const connack = first.connack;
    const hash = await first.client.subscribeAsync(`${prefix}/#`, { qos: 2 }).catch(() => [{ qos: 0x80 }]);
    const granted = hash[0]?.qos ?? 0x80;
    if (granted >= 0x80) return new RejectedError(`the probe's subscription to '${prefix}/#' was refused`, { hint: PICK_PREFIX });
    const baseline = await kit.send(kit.topic('baseline'), 'limits', { qos: 1 });
    if (baseline.kind !== 'delivered') {
      return new RejectedError(`the probe's own message on '${prefix}' was not delivered (${baseline.kind})`, { hint: PICK_PREFIX });
    }
    // A silent drop is told from a slow delivery by waiting many round trips (timed on the open connection), at least 300 ms.
    const t = performance.now();
    await kit.send(kit.topic('baseline'), 'limits', { qos: 1 });
    kit.dropWaitMs = Math.min(2_000, Math.max(300, 20 * (performance.now() - t)));
    const v5 = spec.protocolVersion === 5;
    const packetSize = v5 ? connack.properties?.maximumPacketSize : undefined;
    const probes: Array<[LimitKey, () => Promise<Limit>]> = [
      ['maxPayloadBytes', () => payloadLimit(kit, packetSize)],
      ['maxTopicLength', () => topicLengthLimit(kit, packetSize)],
      ['maxTopicLevels', () => topicLevelsLimit(kit)],
      ['maxQos', () => maxQos(kit, connack, granted)],
      ['retain', () => retainLimit(kit, connack)],
      ['wildcards', () => wildcardLimit(kit, connack, true)],
      ['sharedSubscriptions', () => sharedLimit(kit, connack)],
      ['sessionExpiry', () => sessionLimit(kit)],
      ['maxClientIdLength', () => clientIdLimit(kit)],
      ['emptyClientId', () => emptyClientId(kit)],
      ['keepalive', () => keepaliveLimit(kit, first)],
      ...(v5
        ? ([
            ['subscriptionIdentifiers', () => subscriptionIdLimit(kit, connack)],
            ['topicAliasMaximum', () => topicAliasLimit(kit, connack)],
            ['receiveMaximum', () => receiveMaximumLimit(kit, connack)],
            ['willDelay', () => willDelayLimit(kit)],
          ] as Array<[LimitKey, () => Promise<Limit>]>)
        : []),
      ...(o.rateCeiling === undefined ? [] : ([['packetRate', () => rateLimit(kit, o.rateCeiling as number)]] as Array<[LimitKey, () => Promise<Limit>]>)),
    ];
    for (const [key, probe] of probes) {
      if (!kit.inTime()) {
        outOfTime = true;
        limits[key] = { advertised: undefined, measured: undefined, skipped: 'not probed: the time bound (--limits-timeout) was reached' };
        continue;
      }
      limits[key] = await probe();
    }
    // A probe cut short by the deadline counts too.
    outOfTime ||= !kit.inTime();
  } finally {
    await kit.close();
  }
  return { version: spec.protocolVersion === 5 ? '5' : '3.1.1', limits, ms: performance.now() - t0, messages: kit.messages, connections: kit.connections, outOfTime };
}
