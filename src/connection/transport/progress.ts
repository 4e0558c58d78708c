/** How far one connection attempt got; the explanation of a failure depends on it. */
export interface Progress {
  /** The TCP connection to the broker (or to the WebSocket server) is up. */
  tcpConnected: boolean;
  /** The TLS handshake finished (mqtts and wss only). */
  tlsEstablished: boolean;
  /** The broker accepted CONNECT. */
  mqttAccepted: boolean;
  /** The first bytes the peer sent on this attempt: they tell a web server from a broker. */
  firstBytes: Buffer | undefined;
}

export function freshProgress(): Progress {
  return { tcpConnected: false, tlsEstablished: false, mqttAccepted: false, firstBytes: undefined };
}
