/** One-line packet summaries for --debug. Passwords are never shown, not even their length. */
import type { Packet } from 'mqtt';

export const MASK = '****';

function previewPayload(payload: Buffer | string): string {
  const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const text = buf.subarray(0, 40).toString('utf8').replace(/[^\x20-\x7e]/g, '.');
  return `${buf.length} bytes "${text}${buf.length > 40 ? '…' : ''}"`;
}

export function describePacket(p: Packet): string {
  const parts: string[] = [p.cmd.toUpperCase()];
  switch (p.cmd) {
    case 'connect':
      parts.push(`clientId=${p.clientId}`, `version=${p.protocolVersion ?? 4}`, `clean=${p.clean}`, `keepalive=${p.keepalive}`);
      if (p.username !== undefined) parts.push(`username=${p.username}`);
      if (p.password !== undefined) parts.push(`password=${MASK}`);
      if (p.will) parts.push(`will=${p.will.topic}`);
      if (p.properties?.sessionExpiryInterval !== undefined) parts.push(`sessionExpiry=${p.properties.sessionExpiryInterval}`);
      if (p.will?.properties?.willDelayInterval !== undefined) parts.push(`willDelay=${p.will.properties.willDelayInterval}`);
      break;
    case 'connack':
      parts.push(`code=${p.reasonCode ?? p.returnCode}`, `sessionPresent=${p.sessionPresent}`);
      break;
    case 'publish':
      parts.push(`topic=${p.topic}`, `qos=${p.qos}`, `retain=${p.retain}`, `dup=${p.dup}`);
      if (p.messageId !== undefined) parts.push(`mid=${p.messageId}`);
      parts.push(`payload=${previewPayload(p.payload)}`);
      break;
    case 'subscribe':
      parts.push(`mid=${p.messageId}`, ...p.subscriptions.map((s) => `${s.topic}@${s.qos}`));
      break;
    case 'suback':
      parts.push(`mid=${p.messageId}`, `granted=${JSON.stringify(p.granted)}`);
      break;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
    case 'unsuback':
      parts.push(`mid=${p.messageId}`);
      if (p.reasonCode !== undefined) parts.push(`code=${p.reasonCode}`);
      break;
    case 'disconnect':
      if (p.reasonCode !== undefined) parts.push(`code=${p.reasonCode}`);
      if (p.properties?.sessionExpiryInterval !== undefined) parts.push(`sessionExpiry=${p.properties.sessionExpiryInterval}`);
      break;
  }
  return parts.join(' ');
}
