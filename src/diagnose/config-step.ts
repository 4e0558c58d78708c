/** Step 1: what the flags ask for, and the combinations that are probably a mistake. */
import { describeEndpoint } from '../protocol/endpoint.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { protocolVersionLabel } from '../protocol/types.js';
import type { DiagnoseOptions, StepResult } from './step.js';

export function configWarnings(spec: ConnectionSpec, o: DiagnoseOptions): string[] {
  const w: string[] = [];
  if (spec.transport === 'mqtt' && spec.port === 8883) w.push('plain mqtt:// on port 8883, the usual TLS port: use mqtts://');
  if (spec.transport === 'mqtts' && spec.port === 1883) w.push('mqtts:// on port 1883, the usual plain port: use mqtt:// or port 8883');
  if ((spec.transport === 'ws' || spec.transport === 'wss') && o.urlGiven !== undefined && !o.urlHadPath) {
    w.push(`WebSocket URL without a path: using ${spec.path}; brokers differ (/mqtt, /ws, /)`);
  }
  if (spec.protocolVersion === 3 && Buffer.byteLength(spec.clientId) > 23) {
    w.push(`client id is ${Buffer.byteLength(spec.clientId)} bytes; MQTT 3.1 brokers may refuse ids over 23 bytes`);
  }
  if (o.tlsFlagsOnPlain) w.push('TLS flags were given with a plain URL: connecting with TLS (mqtts)');
  if (spec.tls !== undefined && !spec.tls.rejectUnauthorized) w.push('--insecure: certificate verification is off');
  return w;
}


export function configStep(spec: ConnectionSpec, o: DiagnoseOptions): StepResult {
  const warnings = configWarnings(spec, o);
  return {
    name: 'configuration',
    status: warnings.length > 0 ? 'warn' : 'ok',
    ms: 0,
    finding: warnings.length > 0 ? warnings.join('; ') : `${describeEndpoint(spec)}, ${protocolVersionLabel(spec.protocolVersion)}, client id ${spec.clientId}${spec.username === undefined ? ', anonymous' : `, user ${spec.username}`}`,
  };
}
