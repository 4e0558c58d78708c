/**
 * A TCP proxy in front of a test broker that checks every packet a client sends against the
 * client rules of MQTT 3.1.1 and 5 (packet-rules.ts). The Mosquitto helper puts one in front of
 * each broker it starts, so the whole integration suite's traffic is checked; test/setup.ts fails
 * a test whose traffic broke a rule, naming the rule. It listens only while its broker runs, so a
 * client meets "connection refused" exactly as it would without it, and it keeps back-pressure.
 */
import net from 'node:net';
import { ConnectionRules, type SessionState } from './packet-rules.js';
import { readVarint } from '../../src/connection/varint.js';

export interface Finding {
  readonly rule: string;
  readonly what: string;
  readonly client: string;
}

const findings: Finding[] = [];

/** MQTT.js's own default client identifiers: the tests' helper clients, which are not under test. */
const TEST_CLIENT_PREFIX = 'mqttjs_';

/** The rule violations seen since the last call, and forgets them. */
export function takeViolations(): Finding[] {
  return findings.splice(0);
}

/**
 * Splits a byte stream into whole packets; `onBroken` once it cannot be framed any more. Chunks
 * are joined only when a whole packet is there, so a 50 MB PUBLISH costs one copy, not one per chunk.
 */
function framer(onFrame: (frame: Buffer) => void, onBroken: () => void): (chunk: Buffer) => void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  /** The size of the packet at the head, once its fixed header is in. */
  let needed: number | undefined;
  let broken = false;
  return (chunk) => {
    if (broken) return;
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (needed === undefined) {
        const head = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        chunks = [head];
        const length = readVarint(head, 1);
        if (length.kind === 'malformed') {
          broken = true;
          onBroken();
          return;
        }
        if (length.kind === 'incomplete') return;
        needed = length.next + length.value;
      }
      if (buffered < needed) return;
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      onFrame(all.subarray(0, needed));
      const rest = all.subarray(needed);
      chunks = rest.length === 0 ? [] : [rest];
      buffered = rest.length;
      needed = undefined;
      if (buffered === 0) return;
    }
  };
}

export interface CheckingProxy {
  readonly port: number;
  /** Stops accepting connections and ends the ones open (the broker went down). */
  pause(): Promise<void>;
  /** Accepts connections again, on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** `port`: the port to listen on (a restart on the same port), or a free one. */
export async function startCheckingProxy(targetPort: number, port = 0): Promise<CheckingProxy> {
  const sessions = new Map<string, SessionState>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const rules = new ConnectionRules(sessions);
    let clientId = '?';
    let reported = 0;
    const report = (): void => {
      for (const v of rules.violations.slice(reported)) findings.push({ ...v, client: clientId });
      reported = rules.violations.length;
    };
    /** Only mqtt-tool's connections are judged: not the tests' own MQTT.js clients, nor TLS sent to this plain port. */
    let judged: boolean | undefined;
    const fromClient = framer(
      (frame) => {
        if (judged === undefined) {
          clientId = frame[0]! >> 4 === 1 ? clientIdOf(frame) : '?';
          judged = frame[0] !== 0x16 && !clientId.startsWith(TEST_CLIENT_PREFIX);
        }
        if (!judged) return;
        rules.client(frame, Date.now());
        report();
      },
      () => {
        if (judged !== false) findings.push({ rule: 'MQTT-1.5.5-1', what: 'a remaining length of more than four bytes', client: clientId });
      },
    );
    const fromServer = framer(
      (frame) => rules.server(frame),
      () => {},
    );
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', fromClient);
    upstream.on('data', fromServer);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.resetAndDestroy());
    upstream.on('error', () => client.resetAndDestroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const listening = (server.address() as net.AddressInfo).port;
  const endAll = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port: listening,
    pause: async () => {
      endAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    resume: async () => {
      if (!server.listening) await new Promise<void>((resolve) => server.listen(listening, '127.0.0.1', () => resolve()));
    },
    close: async () => {
      endAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The client identifier of a CONNECT frame, for naming who broke a rule. */
function clientIdOf(frame: Buffer): string {
  try {
    const start = readVarint(frame, 1);
    if (start.kind !== 'value') return '?';
    let o = start.next;
    o += 2 + frame.readUInt16BE(o); // protocol name
    const level = frame[o]!;
    o += 1 + 1 + 2; // level, flags, keepalive
    if (level === 5) {
      const props = readVarint(frame, o);
      if (props.kind !== 'value') return '?';
      o = props.next + props.value;
    }
    return frame.subarray(o + 2, o + 2 + frame.readUInt16BE(o)).toString('utf8');
  } catch {
    return '?';
  }
}
