/** A DNS server on a free loopback UDP port that answers SRV questions from a table (dns-packet encodes the wire format). */
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface SrvAnswer {
  readonly target: string;
  readonly port: number;
  readonly priority?: number;
  readonly weight?: number;
}

export async function startDnsServer(records: Record<string, SrvAnswer[]>): Promise<{ address: string; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const query = dnsPacket.decode(msg);
    const q = query.questions?.[0];
    const found = q !== undefined && q.type === 'SRV' ? records[q.name] : undefined;
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (found === undefined ? 3 : 0),
      questions: query.questions,
      answers: (found ?? []).map((a) => ({ type: 'SRV', name: q?.name ?? '', ttl: 60, data: { target: a.target, port: a.port, priority: a.priority ?? 10, weight: a.weight ?? 5 } })),
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { address: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}
