/** Steps 2 and 3: the host name resolved, then a TCP connection to every address it has. */
import { ExitCode } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { resolveHost, tcpConnect } from './probe.js';
import { fail, WAIT_MS, type StepResult } from './step.js';

export async function dnsStep(spec: ConnectionSpec): Promise<{ step: StepResult; addresses: string[] }> {
  const t0 = performance.now();
  const waitMs = Math.min(spec.connectTimeoutMs, WAIT_MS);
  const dns = await resolveHost(spec.host, waitMs);
  if (!dns.ok) {
    const finding = dns.code === 'ETIMEOUT' ? `resolving '${spec.host}' took longer than ${waitMs / 1000} s` : `the name '${spec.host}' does not resolve (${dns.code})`;
    return { step: fail('DNS', performance.now() - t0, finding, 'Check the spelling of the host name and your DNS settings (or /etc/hosts).', ExitCode.network), addresses: [] };
  }
  const addresses = dns.addresses.map((a) => a.address);
  return { step: { name: 'DNS', status: 'ok', ms: performance.now() - t0, finding: `${spec.host} -> ${addresses.join(', ')}` }, addresses };
}

const TCP_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'refused (nothing listens)',
  ETIMEDOUT: 'no answer (filtered or host down)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** `address`: the first address that accepted, for the steps after this one. */
export async function tcpStep(spec: ConnectionSpec, addresses: string[]): Promise<{ step: StepResult; address: string | undefined }> {
  const timeoutMs = spec.connectTimeoutMs;
  const t0 = performance.now();
  const tcp = await Promise.all(addresses.map((a) => tcpConnect(a, spec.port, timeoutMs)));
  const reachable = tcp.filter((r) => r.ok);
  // One line per address only when there are several: for one, the finding already says it all.
  const details: Array<[string, string]> = tcp.length < 2 ? [] : tcp.map((r) => [`${r.address}:${spec.port}`, r.ok ? `connected in ${r.ms.toFixed(1)} ms` : (TCP_FAILURES[r.code] ?? r.code)]);
  const first = reachable[0];
  if (first === undefined) {
    const timedOut = tcp.every((r) => !r.ok && r.code === 'ETIMEDOUT');
    const refused = tcp.some((r) => !r.ok && r.code === 'ECONNREFUSED');
    const step = fail(
      'TCP',
      performance.now() - t0,
      refused ? `connection refused on port ${spec.port}: nothing is listening there` : timedOut ? `no answer from port ${spec.port} within ${timeoutMs / 1000} s` : `cannot reach port ${spec.port}`,
      refused ? 'Is the broker running, and is the port right? mqtt:// defaults to 1883, mqtts:// to 8883.' : 'A firewall may drop the packets, or the host is down; check the address, port and routes.',
      timedOut ? ExitCode.timeout : ExitCode.network,
      details,
    );
    return { step, address: undefined };
  }
  const partial = reachable.length < tcp.length;
  return {
    step: {
      name: 'TCP',
      status: partial ? 'warn' : 'ok',
      ms: performance.now() - t0,
      finding: partial ? `only ${reachable.length} of ${tcp.length} addresses accept connections` : `port ${spec.port} accepts connections (${first.ms.toFixed(1)} ms)`,
      details,
    },
    address: first.address,
  };
}
