/**
 * The normative statements of MQTT 3.1.1 and 5 that concern what a client sends, checked packet by
 * packet on one connection. Pure: feed it the frames of both directions in order (each a whole
 * packet: fixed header, remaining length, body) and it answers with the rules they break. The
 * checking proxy (checking-proxy.ts) runs one per connection of the integration suite.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';

export interface Violation {
  readonly rule: string;
  readonly what: string;
}

/** Every rule the checker enforces, by its number in the specifications (MQTT 5 numbering where both have it). */
export const RULES: Record<string, string> = {
  'MQTT-3.1.0-1': 'the first packet a client sends is CONNECT',
  'MQTT-3.1.0-2': 'a client sends CONNECT once per connection',
  'MQTT-2.1.3-1': 'reserved fixed-header flag bits are as the packet type defines them',
  'MQTT-1.5.5-1': 'a packet decodes as the specification defines it (remaining length, fields, properties)',
  'MQTT-3.1.2-3': 'the reserved CONNECT flag is 0',
  'MQTT-3.1.2-11': 'without a will, will QoS and will retain are 0',
  'MQTT-3.1.2-22': 'MQTT 3.1.1: no password without a user name',
  'MQTT-2.2.1-3': 'a QoS 1/2 PUBLISH, SUBSCRIBE and UNSUBSCRIBE carry a non-zero packet identifier',
  'MQTT-3.3.1-2': 'a QoS 0 PUBLISH has DUP 0',
  'MQTT-3.3.1-4': 'a PUBLISH never has QoS 3',
  'MQTT-3.3.2-2': 'a PUBLISH topic name has no wildcard',
  'MQTT-4.7.3-1': 'a topic is at least one character (MQTT 5: or a topic alias stands for it)',
  'MQTT-4.3.2-1': 'a new QoS 1/2 message gets a packet identifier not in use',
  'MQTT-4.3.3-6': 'once PUBREL is sent, the PUBLISH of that message is not sent again on the connection',
  'MQTT-4.3.3-4': 'PUBREL answers a PUBREC with a reason code below 0x80, with its packet identifier',
  'MQTT-3.3.4-7': 'no more unacknowledged QoS 1/2 PUBLISH packets than the server\'s Receive Maximum',
  'MQTT-3.2.2-15': 'no packet larger than the server\'s Maximum Packet Size',
  'MQTT-3.3.2-9': 'no Topic Alias above the server\'s Topic Alias Maximum',
  'MQTT-3.3.2-8': 'no Topic Alias 0',
  'MQTT-3.3.4-6': 'a client PUBLISH carries no Subscription Identifier',
  'MQTT-3.8.3-2': 'a SUBSCRIBE has at least one topic filter',
  'MQTT-3.8.3-4': 'No Local is not set on a shared subscription',
  'MQTT-3.10.3-2': 'an UNSUBSCRIBE has at least one topic filter',
  'MQTT-4.3.2-4': 'PUBACK answers a QoS 1 PUBLISH the server sent, with its packet identifier',
  'MQTT-4.3.3-9': 'PUBREC answers a QoS 2 PUBLISH the server sent, with its packet identifier',
  'MQTT-4.3.3-11': 'PUBCOMP answers a PUBREL the server sent, with its packet identifier',
  'MQTT-3.14.2-1': 'MQTT 5: no Session Expiry Interval on DISCONNECT when CONNECT set none (section 3.14.2.2.2)',
  'MQTT-3.14.4-1': 'nothing is sent after DISCONNECT',
  'MQTT-3.1.2-23': 'a client sends a packet within every Keep Alive interval (the server\'s, when it set one)',
};

const RESERVED_FLAGS: Record<number, number> = { 1: 0, 4: 0, 5: 0, 6: 2, 7: 0, 8: 2, 10: 2, 12: 0, 14: 0, 15: 0 };

/** What a session holds across connections: the QoS flows in both directions, by packet id. */
export interface SessionState {
  /** Our QoS 1/2 PUBLISH packets not yet acknowledged: 'sent', 'recorded' (PUBREC seen), 'released' (our PUBREL sent). */
  readonly outgoing: Map<number, { qos: 1 | 2; stage: 'sent' | 'recorded' | 'released' }>;
  /** What we owe the server: PUBACK or PUBREC for its PUBLISH, PUBCOMP for its PUBREL. */
  readonly incoming: Map<number, 'puback' | 'pubrec' | 'pubcomp'>;
  /** QoS 2 ids whose flow a PUBCOMP ended: their PUBLISH must not come again as a re-delivery (DUP). */
  readonly completed: Set<number>;
}

const freshSession = (): SessionState => ({ outgoing: new Map(), incoming: new Map(), completed: new Set() });

/**
 * One connection's rule checker. `sessions`: the state kept by client identifier across the
 * connections of one broker, resumed when CONNACK says the session is present.
 */
export class ConnectionRules {
  private clientId = '';
  private session: SessionState = freshSession();
  constructor(private readonly sessions: Map<string, SessionState> = new Map()) {}

  private version: 3 | 4 | 5 | undefined;
  private connected = false;
  private disconnected = false;
  private connectExpiry = 0;
  private keepaliveS = 0;
  private lastClientAt: number | undefined;
  /** The server's limits from CONNACK. */
  private receiveMaximum = 65_535;
  private maximumPacketSize = Number.POSITIVE_INFINITY;
  private topicAliasMaximum = 0;
  private readonly found: Violation[] = [];

  get violations(): readonly Violation[] {
    return this.found;
  }

  private flag(rule: string, what: string): void {
    this.found.push({ rule, what });
  }

  /** `ours`: a packet the client sent, whose breach is reported; the server's own are not ours to judge. */
  private decode(frame: Buffer, ours: boolean): Packet | undefined {
    let packet: Packet | undefined;
    let error: Error | undefined;
    const parser = mqttPacket.parser({ protocolVersion: this.version ?? 4 });
    parser.on('packet', (p: Packet) => (packet ??= p));
    parser.on('error', (e: Error) => (error ??= e));
    parser.parse(frame);
    if (packet === undefined && ours) this.flag('MQTT-1.5.5-1', `a packet (type ${frame[0]! >> 4}) that does not decode: ${error?.message ?? 'incomplete'}`);
    return packet;
  }

  /** A packet the client sent. */
  client(frame: Buffer, now: number): void {
    const type = frame[0]! >> 4;
    const flags = frame[0]! & 0x0f;
    if (this.disconnected) this.flag('MQTT-3.14.4-1', `a packet (type ${type}) after DISCONNECT`);
    if (!this.connected && type !== 1) this.flag('MQTT-3.1.0-1', `a packet (type ${type}) before CONNECT`);
    if (type === 1 && this.connected) this.flag('MQTT-3.1.0-2', 'a second CONNECT');
    if (type !== 3 && RESERVED_FLAGS[type] !== undefined && flags !== RESERVED_FLAGS[type]) this.flag('MQTT-2.1.3-1', `packet type ${type} with flags 0x${flags.toString(16)}`);
    if (type === 3 && ((flags >> 1) & 3) === 3) this.flag('MQTT-3.3.1-4', 'a PUBLISH with QoS 3');
    if (type === 3 && ((flags >> 1) & 3) === 0 && (flags & 8) !== 0) this.flag('MQTT-3.3.1-2', 'a QoS 0 PUBLISH with DUP 1');
    if (type === 1) {
      // The CONNECT flags byte: after the fixed header (one to four bytes of remaining length), the protocol name and level.
      let body = 1;
      while ((frame[body]! & 0x80) !== 0 && body < 4) body += 1;
      body += 1;
      const nameLength = frame.readUInt16BE(body);
      const connectFlags = frame[body + 2 + nameLength + 1]!;
      if ((connectFlags & 1) !== 0) this.flag('MQTT-3.1.2-3', 'the reserved CONNECT flag is 1');
      if ((connectFlags & 0x04) === 0 && (connectFlags & 0x38) !== 0) this.flag('MQTT-3.1.2-11', 'will QoS or will retain set without a will');
    }
    if (frame.length > this.maximumPacketSize) this.flag('MQTT-3.2.2-15', `a ${frame.length}-byte packet; the server's maximum is ${this.maximumPacketSize}`);
    if (this.keepaliveS > 0 && this.lastClientAt !== undefined && now - this.lastClientAt > this.keepaliveS * 1500) {
      this.flag('MQTT-3.1.2-23', `${((now - this.lastClientAt) / 1000).toFixed(1)} s without a packet; keep alive ${this.keepaliveS} s`);
    }
    this.lastClientAt = now;
    const p = this.decode(frame, true);
    if (p === undefined) return;
    switch (p.cmd) {
      case 'connect':
        this.connected = true;
        this.version = p.protocolVersion as 3 | 4 | 5;
        this.keepaliveS = p.keepalive ?? 0;
        this.connectExpiry = p.properties?.sessionExpiryInterval ?? 0;
        this.clientId = p.clientId;
        if (this.version !== 5 && p.password !== undefined && p.username === undefined) this.flag('MQTT-3.1.2-22', 'a password without a user name');
        return;
      case 'publish':
        return this.clientPublish(p);
      case 'pubrel': {
        const m = this.session.outgoing.get(p.messageId ?? 0);
        // A PUBCOMP lost with a cut link leaves the PUBREL to be sent again on the next connection [MQTT-4.4.0-1].
        const completedUnseen = m === undefined && this.session.completed.has(p.messageId ?? 0);
        if (!completedUnseen && (m === undefined || m.qos !== 2 || m.stage === 'sent')) this.flag('MQTT-4.3.3-4', `PUBREL for message id ${p.messageId} without a PUBREC for it`);
        else if (m !== undefined) m.stage = 'released';
        return;
      }
      case 'puback':
      case 'pubrec': {
        const owed = this.session.incoming.get(p.messageId ?? 0);
        if (owed !== p.cmd) this.flag(p.cmd === 'puback' ? 'MQTT-4.3.2-4' : 'MQTT-4.3.3-9', `${p.cmd.toUpperCase()} for message id ${p.messageId}, which the server did not send at ${p.cmd === 'puback' ? 'QoS 1' : 'QoS 2'}`);
        this.session.incoming.delete(p.messageId ?? 0);
        return;
      }
      case 'pubcomp':
        if (this.session.incoming.get(p.messageId ?? 0) !== 'pubcomp') this.flag('MQTT-4.3.3-11', `PUBCOMP for message id ${p.messageId} without a PUBREL from the server`);
        this.session.incoming.delete(p.messageId ?? 0);
        return;
      case 'subscribe':
        if (!p.messageId) this.flag('MQTT-2.2.1-3', 'a SUBSCRIBE with packet identifier 0');
        if (p.subscriptions.length === 0) this.flag('MQTT-3.8.3-2', 'a SUBSCRIBE without a topic filter');
        for (const s of p.subscriptions) if (s.nl === true && s.topic.startsWith('$share/')) this.flag('MQTT-3.8.3-4', `No Local on the shared subscription '${s.topic}'`);
        return;
      case 'unsubscribe':
        if (!p.messageId) this.flag('MQTT-2.2.1-3', 'an UNSUBSCRIBE with packet identifier 0');
        if (p.unsubscriptions.length === 0) this.flag('MQTT-3.10.3-2', 'an UNSUBSCRIBE without a topic filter');
        return;
      case 'disconnect':
        this.disconnected = true;
        if (this.connectExpiry === 0 && (p.properties?.sessionExpiryInterval ?? 0) > 0) this.flag('MQTT-3.14.2-1', `DISCONNECT sets a session expiry of ${p.properties?.sessionExpiryInterval} s; CONNECT set none`);
        return;
      default:
        return;
    }
  }

  private clientPublish(p: Extract<Packet, { cmd: 'publish' }>): void {
    const alias = p.properties?.topicAlias;
    if (/[+#]/.test(p.topic)) this.flag('MQTT-3.3.2-2', `a PUBLISH to '${p.topic}'`);
    if (p.topic === '' && (this.version !== 5 || alias === undefined)) this.flag('MQTT-4.7.3-1', 'a PUBLISH with an empty topic and no topic alias');
    if (alias !== undefined) {
      if (alias === 0) this.flag('MQTT-3.3.2-8', 'Topic Alias 0');
      else if (alias > this.topicAliasMaximum) this.flag('MQTT-3.3.2-9', `Topic Alias ${alias}; the server's maximum is ${this.topicAliasMaximum}`);
    }
    if (p.properties?.subscriptionIdentifier !== undefined) this.flag('MQTT-3.3.4-6', 'a PUBLISH with a Subscription Identifier');
    if (p.qos === 0) return;
    const id = p.messageId ?? 0;
    if (id === 0) {
      this.flag('MQTT-2.2.1-3', 'a QoS 1/2 PUBLISH with packet identifier 0');
      return;
    }
    const known = this.session.outgoing.get(id);
    if ((known !== undefined && known.stage === 'released') || (p.dup && this.session.completed.has(id))) this.flag('MQTT-4.3.3-6', `the PUBLISH of message id ${id} again after its PUBREL`);
    else if (known !== undefined && !p.dup) this.flag('MQTT-4.3.2-1', `a new PUBLISH with message id ${id}, still in flight`);
    this.session.completed.delete(id);
    if (known === undefined && this.session.outgoing.size >= this.receiveMaximum) this.flag('MQTT-3.3.4-7', `a QoS ${p.qos} PUBLISH with ${this.session.outgoing.size} unacknowledged; the server's Receive Maximum is ${this.receiveMaximum}`);
    if (known === undefined || known.stage !== 'released') this.session.outgoing.set(id, { qos: p.qos as 1 | 2, stage: 'sent' });
  }

  /** A packet the server sent. */
  server(frame: Buffer): void {
    const p = this.decode(frame, false);
    if (p === undefined) return;
    switch (p.cmd) {
      case 'connack': {
        const pr = p.properties;
        this.receiveMaximum = pr?.receiveMaximum ?? 65_535;
        this.maximumPacketSize = pr?.maximumPacketSize ?? Number.POSITIVE_INFINITY;
        this.topicAliasMaximum = pr?.topicAliasMaximum ?? 0;
        if (pr?.serverKeepAlive !== undefined) this.keepaliveS = pr.serverKeepAlive;
        // A session not present: the server knows none of our ids, and the client starts afresh too.
        const kept = p.sessionPresent === true ? this.sessions.get(this.clientId) : undefined;
        this.session = kept ?? freshSession();
        if ((p.reasonCode ?? p.returnCode ?? 0) === 0 && this.clientId !== '') this.sessions.set(this.clientId, this.session);
        return;
      }
      case 'puback':
        this.session.outgoing.delete(p.messageId ?? 0);
        return;
      case 'pubrec': {
        const m = this.session.outgoing.get(p.messageId ?? 0);
        if (m !== undefined && (p.reasonCode ?? 0) >= 0x80) this.session.outgoing.delete(p.messageId ?? 0);
        else if (m !== undefined && m.stage === 'sent') m.stage = 'recorded';
        return;
      }
      case 'pubcomp':
        if (this.session.outgoing.delete(p.messageId ?? 0)) this.session.completed.add(p.messageId ?? 0);
        return;
      case 'publish':
        if (p.qos > 0) this.session.incoming.set(p.messageId ?? 0, p.qos === 1 ? 'puback' : 'pubrec');
        return;
      case 'pubrel':
        this.session.incoming.set(p.messageId ?? 0, 'pubcomp');
        return;
      default:
        return;
    }
  }
}
