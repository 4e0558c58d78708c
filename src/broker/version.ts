import type { ProtocolVersion } from '../connection/reason-codes.js';

/**
 * The MQTT version the embedded broker speaks. It is aedes 1.2.0, the stable release,
 * which speaks MQTT 3.1 and 3.1.1 only (an MQTT 5 CONNECT gets "unacceptable protocol
 * version"), so commands that use it pick 3.1.1 by themselves and say so. Its own module:
 * deciding this must not load aedes.
 */
export const EMBEDDED_PROTOCOL_VERSION: ProtocolVersion = 4;
