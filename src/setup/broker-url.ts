/** The broker URL (-L) and the SOCKS proxy URL (--proxy), parsed at the command-line edge. */
import { parsePort } from '../cli/values.js';
import { UsageError } from '../errors.js';
import type { ProxySpec } from '../protocol/spec.js';
import type { Transport } from '../protocol/types.js';

/** "socks5h://[user:pass@]host:port" (as mosquitto's --proxy takes it); port 1080 when left out. */
export function parseProxyUrl(raw: string): ProxySpec {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--proxy '${raw}' is not a URL: expected socks5h://[user:pass@]host:port`);
  }
  if (url.protocol !== 'socks5h:') {
    throw new UsageError(`--proxy '${raw}': only socks5h:// is supported (SOCKS5, the proxy resolving the broker's name), as in mosquitto`);
  }
  if (url.hostname === '') throw new UsageError(`--proxy '${raw}' names no proxy host`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? 1080 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
  };
}

export const DEFAULT_PORTS: Record<Transport, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };
export const DEFAULT_WS_PATH = '/mqtt';

export interface UrlParts {
  transport: Transport;
  host: string | undefined;
  port: number | undefined;
  username: string | undefined;
  password: string | undefined;
  path: string | undefined;
}

export function parseBrokerUrl(raw: string): UrlParts {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`malformed URL '${raw}': expected e.g. mqtt://host:1883 or mqtts://user@host/topic`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  const transports: Record<string, Transport> = { mqtt: 'mqtt', tcp: 'mqtt', mqtts: 'mqtts', ssl: 'mqtts', tls: 'mqtts', ws: 'ws', wss: 'wss' };
  const transport = transports[scheme];
  if (transport === undefined) {
    throw new UsageError(`unknown URL scheme '${scheme}:' in '${raw}': use mqtt://, mqtts://, ws:// or wss://`);
  }
  if (url.hostname === '') throw new UsageError(`URL '${raw}' has no host`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? undefined : parsePort('the URL port', url.port);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(`URL '${raw}' has a malformed percent-escape`);
    }
  };
  return {
    transport,
    host,
    port,
    username: url.username === '' ? undefined : decode(url.username),
    password: url.password === '' ? undefined : decode(url.password),
    path: url.pathname === '' || url.pathname === '/' ? undefined : decode(url.pathname),
  };
}
