/**
 * What a Sparkplug B reader keeps between messages, per edge node: the metric aliases of the
 * latest NBIRTH/DBIRTH, the sequence number (0-255, wrapping, across NBIRTH, DBIRTH, NDATA,
 * DDATA and DDEATH), and the bdSeq of the latest NBIRTH, paired with the NDEATH that ends it.
 * Pure: observations in, alias lookups and notices out.
 */
export const MESSAGE_TYPES = ['NBIRTH', 'NDEATH', 'DBIRTH', 'DDEATH', 'NDATA', 'DDATA', 'NCMD', 'DCMD'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface SparkplugTopic {
  readonly group: string;
  readonly type: MessageType;
  readonly edge: string;
  readonly device: string | undefined;
}

/** `spBv1.0/group/TYPE/edge[/device]`, or undefined (STATE topics carry JSON, not Sparkplug payloads). */
export function parseSparkplugTopic(topic: string): SparkplugTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'spBv1.0' || parts.length < 4 || parts.length > 5) return undefined;
  const [, group, type, edge, device] = parts as [string, string, string, string, string | undefined];
  if (!(MESSAGE_TYPES as readonly string[]).includes(type) || group === '' || edge === '') return undefined;
  const isDevice = type.startsWith('D');
  if (isDevice !== (device !== undefined)) return undefined;
  return { group, type: type as MessageType, edge, device };
}

export interface MetricHead {
  readonly name: string | undefined;
  /** Aliases are uint64: kept as decimal text. */
  readonly alias: string | undefined;
  readonly datatype: number | undefined;
}

export interface BirthMetric {
  readonly name: string;
  readonly datatype: number | undefined;
}

export interface Observation {
  readonly seq: number | undefined;
  readonly metrics: readonly MetricHead[];
  /** The value of the metric named bdSeq, as decimal text, in NBIRTH and NDEATH. */
  readonly bdSeq: string | undefined;
}

export interface Observed {
  /** Name and datatype of an alias, from the latest birth of this device or edge node. */
  readonly lookup: (alias: string) => BirthMetric | undefined;
  readonly notices: string[];
}

interface NodeState {
  lastSeq: number | undefined;
  bdSeq: string | undefined;
  aliases: Map<string, BirthMetric>;
  warnedUnresolved: boolean;
}

export class SparkplugTracker {
  private readonly nodes = new Map<string, NodeState>();
  private readonly devices = new Map<string, Map<string, BirthMetric>>();

  observe(t: SparkplugTopic, o: Observation): Observed {
    const nodeKey = `${t.group}/${t.edge}`;
    const deviceKey = t.device === undefined ? undefined : `${nodeKey}/${t.device}`;
    const where = `${deviceKey ?? nodeKey}`;
    let node = this.nodes.get(nodeKey);
    if (node === undefined) {
      node = { lastSeq: undefined, bdSeq: undefined, aliases: new Map(), warnedUnresolved: false };
      this.nodes.set(nodeKey, node);
    }
    const notices: string[] = [];
    const births = (): Map<string, BirthMetric> => {
      const m = new Map<string, BirthMetric>();
      for (const h of o.metrics) if (h.alias !== undefined && h.name !== undefined) m.set(h.alias, { name: h.name, datatype: h.datatype });
      return m;
    };
    switch (t.type) {
      case 'NBIRTH':
        node.aliases = births();
        node.bdSeq = o.bdSeq;
        node.lastSeq = o.seq;
        node.warnedUnresolved = false;
        for (const key of [...this.devices.keys()]) if (key.startsWith(`${nodeKey}/`)) this.devices.delete(key);
        break;
      case 'NDEATH':
        if (node.bdSeq === undefined) notices.push(`${where}: NDEATH with bdSeq ${o.bdSeq ?? '(none)'}; no NBIRTH of this edge node was seen since sub started`);
        else if (o.bdSeq === node.bdSeq) notices.push(`${where}: NDEATH bdSeq ${o.bdSeq} matches the NBIRTH (bdSeq ${node.bdSeq}): that session of the edge node ended`);
        else notices.push(`${where}: NDEATH bdSeq ${o.bdSeq ?? '(none)'} does not match the latest NBIRTH (bdSeq ${node.bdSeq}): a death certificate of an earlier session; the edge node is still online`);
        if (o.bdSeq === node.bdSeq) node.lastSeq = undefined;
        break;
      default:
        if (t.type === 'DBIRTH' && deviceKey !== undefined) this.devices.set(deviceKey, births());
        if (t.type !== 'NCMD' && t.type !== 'DCMD') this.checkSeq(node, where, t.type, o.seq, notices);
    }
    const deviceAliases = deviceKey === undefined ? undefined : this.devices.get(deviceKey);
    const lookup = (alias: string): BirthMetric | undefined => deviceAliases?.get(alias) ?? node.aliases.get(alias);
    const unresolved = o.metrics.some((h) => h.name === undefined && h.alias !== undefined && lookup(h.alias) === undefined);
    if (unresolved && !node.warnedUnresolved) {
      node.warnedUnresolved = true;
      notices.push(`${where}: ${t.type} names metrics by alias only and no birth message with those aliases was seen since sub started; ask the edge node to rebirth (NCMD metric "Node Control/Rebirth" = true)`);
    }
    return { lookup, notices };
  }

  private checkSeq(node: NodeState, where: string, type: MessageType, seq: number | undefined, notices: string[]): void {
    if (seq === undefined) return;
    if (node.lastSeq !== undefined) {
      const expected = (node.lastSeq + 1) % 256;
      if (seq !== expected) {
        const missing = (seq - expected + 256) % 256;
        notices.push(`${where}: sequence gap: expected seq ${expected}, got ${seq} (${type}): ${missing} message${missing === 1 ? '' : 's'} lost or out of order`);
      }
    }
    node.lastSeq = seq;
  }
}
