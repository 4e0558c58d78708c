/**
 * A defaulted MQTT 5 may fall back to MQTT 3.1.1 at connect (session.ts). What a command built
 * for the version it asked for (subscription options, publish properties) is then built again
 * for the accepted one, and a flag that version cannot carry ends the session cleanly.
 */
import type { ProtocolVersion } from '../protocol/types.js';
import type { Session } from './session.js';

export async function rebuildForVersion<T>(session: Session, asked: ProtocolVersion, built: T, rebuild: (version: ProtocolVersion) => T): Promise<T> {
  if (session.spec.protocolVersion === asked) return built;
  try {
    return rebuild(session.spec.protocolVersion);
  } catch (err) {
    // mqtt-tool decides to stop: DISCONNECT, so no will is published.
    await session.close();
    throw err;
  }
}
