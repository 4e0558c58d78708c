/** `mqtt-tool sub`: flags in, a subscription run on stdout (src/sub/). */
import type { IClientSubscribeOptions, ISubscriptionMap } from 'mqtt';
import { connect } from '../connection/session.js';
import { rebuildForVersion } from '../connection/version-fallback.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { resolveConnection } from '../setup/resolve.js';
import { requireTopicFilter } from '../protocol/topics.js';
import { shown, userPropertyMap } from '../cli/values.js';
import type { ProtocolVersion } from '../protocol/types.js';
import { UsageError } from '../errors.js';
import { chooseFormat, type OutputFlags } from './output-flags.js';
import { v5OnlyRemedy } from './mqtt5-flags.js';
import { createTerminal } from '../io/terminal.js';
import { mergeProperties, parseProperties } from '../setup/properties.js';
import { SubRun, type SubRunOptions } from '../sub/run.js';

export interface SubFlags extends ConnectionFlags, OutputFlags, Omit<SubRunOptions, 'subscribeProperties' | 'unsubscribeProperties'> {
  topic?: string[];
  local: boolean;
  retainAsPublished?: boolean;
  retainHandling?: '0' | '1' | '2';
  userProperty?: Array<[string, string]>;
  property?: string[];
  embedded?: boolean;
  color: boolean;
}

export function subscriptionMap(flags: SubFlags, filters: string[], version: ProtocolVersion, fellBack = false): ISubscriptionMap {
  const v5Flags: Array<[boolean, string]> = [
    [flags.local === false, '--no-local'],
    [flags.retainAsPublished === true, '--retain-as-published'],
    [flags.retainHandling !== undefined, '--retain-handling'],
    [flags.userProperty !== undefined, '--user-property'],
  ];
  const used = v5Flags.find(([on]) => on);
  if (version !== 5 && used !== undefined) throw new UsageError(`${used[1]} needs MQTT 5; ${v5OnlyRemedy(fellBack)}`);
  const map: ISubscriptionMap = {};
  for (const filter of filters) {
    const o: IClientSubscribeOptions = { qos: flags.qos ?? 0 };
    if (version === 5) {
      if (flags.local === false) o.nl = true;
      if (flags.retainAsPublished === true) o.rap = true;
      if (flags.retainHandling !== undefined) o.rh = Number(flags.retainHandling);
    }
    map[filter] = o;
  }
  return map;
}

export async function runSub(flags: SubFlags): Promise<void> {
  const term = createTerminal(flags.color);
  // --watch shows a topic per line: `topic payload` unless -F says otherwise, without colours (lines are cut to the width).
  const format = flags.watch === true && flags.format === undefined ? chooseFormat({ ...flags, verbose: true }, createTerminal(false)) : chooseFormat(flags, term);
  for (const f of [...(flags.topic ?? []), ...(flags.filterOut ?? []), ...(flags.unsubscribe ?? [])]) {
    requireTopicFilter(f, `topic filter '${shown(f)}'`);
  }
  if (flags.retainedOnly !== true && (flags.retainedQuiet !== undefined || flags.retainedMarker === true)) {
    throw new UsageError(`${flags.retainedQuiet !== undefined ? '--retained-quiet' : '--retained-marker'} goes with --retained-only`);
  }
  if (flags.watch === true && (!process.stdout.isTTY || !(process.stdout.rows > 0))) {
    throw new UsageError('--watch draws on a terminal: stdout is not one', { hint: 'Drop --watch to print every message (to a pipe or a file).' });
  }
  const oneShot = flags.exitAfterSubscribe === true || flags.retainedOnly === true;
  const d = parseProperties(
    flags.property ?? [],
    ['connect', 'subscribe', 'disconnect', ...(flags.unsubscribe === undefined ? [] : ['unsubscribe' as const]), ...(flags.willTopic === undefined ? [] : ['will' as const])],
    'sub',
  );
  const connection = await resolveConnection({ ...flags, mqtt5Properties: d }, term, { longRunning: !oneShot, embedded: flags.embedded === true });
  try {
    const filters = flags.topic ?? (connection.spec.urlTopic === undefined ? [] : [connection.spec.urlTopic]);
    if (filters.length === 0 && flags.unsubscribe === undefined) throw new UsageError("no topic: give -t FILTER (e.g. -t 'sensors/#'), or -U FILTER to unsubscribe");
    for (const f of filters) {
      requireTopicFilter(f, `topic filter '${shown(f)}'`);
    }
    const asked = connection.spec.protocolVersion;
    const map = subscriptionMap(flags, filters, asked);
    const fromFlags = flags.userProperty === undefined ? undefined : { userProperties: userPropertyMap(flags.userProperty) };
    const run = new SubRun(
      { ...flags, subscribeProperties: mergeProperties(fromFlags, d.subscribe, 'subscribe'), unsubscribeProperties: d.unsubscribe },
      filters,
      format,
      process.stdout,
      term.warn,
    );
    const session = await connect(connection.spec, {
      notice: term.notice,
      webSocket: connection.webSocket,
      socks: connection.socks,
      handleMessage: (client, packet, done) => run.onMessage(client, packet, done),
      needsMqtt5: flags.property === undefined ? undefined : '-D (MQTT 5 properties)',
    });
    await run.run(session, await rebuildForVersion(session, asked, map, (v) => subscriptionMap(flags, filters, v, true)), term);
  } finally {
    await connection.release();
  }
}
