/** One transport per URL scheme; picks the one the spec names. */
import type { Duplex } from 'node:stream';
import { UsageError } from '../../errors.js';
import type { ConnectionSpec } from '../options.js';
import type { Progress } from './progress.js';
import { openTcp } from './tcp.js';
import { openTls } from './tls.js';
import { openWebSocket, type WebSocketLibrary } from './ws.js';

export function openTransport(spec: ConnectionSpec, progress: Progress, webSocket: WebSocketLibrary | undefined): Duplex {
  if (spec.transport === 'ws' || spec.transport === 'wss') {
    if (webSocket === undefined) throw new UsageError(`${spec.transport}:// is not available in this command`);
    return openWebSocket(webSocket, spec, progress);
  }
  // TLS flags on an mqtt:// URL mean TLS too (options.ts sets spec.tls then).
  return spec.tls === undefined ? openTcp(spec, progress) : openTls(spec, progress);
}
