/**
 * -S: the broker from DNS SRV records, as mosquitto's clients find it: _mqtt._tcp.DOMAIN, or
 * _secure-mqtt._tcp.DOMAIN for TLS. MQTT_TOOL_DNS_SERVER (host or host:port) asks that server
 * instead of the system's. The choice among records follows RFC 2782.
 */
import { Resolver } from 'node:dns/promises';
import type { SrvRecord } from 'node:dns';
import { NetworkError, UsageError } from '../errors.js';

/** RFC 2782: the lowest priority; within it, a weighted random pick (weight 0 only when nothing else). `random` in [0, 1). */
export function pickSrv(records: readonly SrvRecord[], random: () => number): SrvRecord | undefined {
  if (records.length === 0) return undefined;
  const best = Math.min(...records.map((r) => r.priority));
  const group = records.filter((r) => r.priority === best);
  const total = group.reduce((t, r) => t + r.weight, 0);
  if (total === 0) return group[Math.floor(random() * group.length)];
  let point = random() * total;
  for (const r of group) {
    point -= r.weight;
    if (point < 0 && r.weight > 0) return r;
  }
  return group.filter((r) => r.weight > 0).at(-1);
}

export function srvName(domain: string, secure: boolean): string {
  return `${secure ? '_secure-mqtt' : '_mqtt'}._tcp.${domain}`;
}

export async function lookupBroker(domain: string, secure: boolean, dnsServer: string | undefined, timeoutMs: number): Promise<{ host: string; port: number }> {
  const resolver = new Resolver({ timeout: Math.min(timeoutMs, 5_000), tries: 2 });
  if (dnsServer !== undefined && dnsServer !== '') {
    try {
      resolver.setServers([dnsServer]);
    } catch {
      throw new UsageError(`MQTT_TOOL_DNS_SERVER '${dnsServer}' is not an address: expected e.g. 192.0.2.53 or 192.0.2.53:5353`);
    }
  }
  const name = srvName(domain, secure);
  let records: SrvRecord[];
  try {
    records = await resolver.resolveSrv(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = code === 'ENOTFOUND' || code === 'ENODATA' ? 'no such record' : code === 'ETIMEOUT' || code === 'ECONNREFUSED' ? 'the DNS server did not answer' : code;
    throw new NetworkError(`-S: DNS SRV lookup of ${name} failed: ${why}`, {
      hint: `Publish an SRV record for ${name} (or give -h/-p without -S)${dnsServer === undefined ? '' : `; asked ${dnsServer} (MQTT_TOOL_DNS_SERVER)`}.`,
    });
  }
  const pick = pickSrv(records, Math.random);
  if (pick === undefined) throw new NetworkError(`-S: ${name} has no SRV records`, { hint: 'Publish one, or give -h/-p without -S.' });
  return { host: pick.name, port: pick.port };
}
