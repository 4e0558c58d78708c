/** Step 4: the TLS handshake on its own, before MQTT: version, cipher, ALPN, the certificate and whether it is trusted. */
import { ExitCode } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { nameToVerify } from '../tls/connect-params.js';
import { handshake, probeOptions, type HandshakeResult } from '../tls/probe.js';
import { explainTlsCode } from '../tls/verify-errors.js';
import { fail, type StepResult } from './step.js';

export async function tlsStep(spec: ConnectionSpec, address: string): Promise<StepResult> {
  const info = await handshake(probeOptions(spec, { address }), { timeoutMs: spec.connectTimeoutMs, now: new Date(), alertWaitMs: 0 });
  return tlsFinding(spec, info);
}

function tlsFinding(spec: ConnectionSpec, info: HandshakeResult): StepResult {
  const ms = info.ms;
  if (!info.ok) {
    const code = info.errorCode ?? 'ERROR';
    if (info.notTls || code === 'ECONNRESET') {
      return fail('TLS', ms, 'the server did not answer the TLS handshake: it is a plain (non-TLS) listener', 'Drop TLS (use mqtt://) for this port, or use the TLS port (usually 8883).', ExitCode.tls);
    }
    if (code === 'ETIMEDOUT') return fail('TLS', ms, 'no TLS handshake in time (ETIMEDOUT)', 'The port accepted TCP but not TLS in time.', ExitCode.timeout);
    const known = explainTlsCode(code, { name: nameToVerify(spec) });
    return fail(
      'TLS',
      ms,
      known === undefined ? `the TLS handshake failed (${code})` : `${known.finding} (${code})`,
      known?.hint ?? 'Try --tls-version, or check whether the broker requires a client certificate (--cert/--key).',
      ExitCode.tls,
    );
  }
  const leaf = info.chain[0];
  const details: Array<[string, string]> = [
    ['version', info.protocol ?? '?'],
    ['cipher', info.cipher ?? '?'],
    ['ALPN', info.alpn ?? 'none'],
  ];
  if (leaf !== undefined) {
    details.push(['certificate', `${leaf.subject} (issued by ${leaf.issuer})`], ['names', leaf.names.join(', ') || '(none)'], ['expires', `${leaf.validTo} (${leaf.daysLeft} days)`]);
  }
  const verifyOn = spec.tls?.rejectUnauthorized !== false;
  if (!info.authorized && verifyOn) {
    const code = info.authorizationError ?? '?';
    const problem = explainTlsCode(code, { name: nameToVerify(spec), leaf }) ?? { finding: `certificate not trusted (${code})`, hint: 'Pass the right CA with --cafile.' };
    return fail('TLS', ms, problem.finding, problem.hint, ExitCode.tls, details);
  }
  const soon = leaf !== undefined && leaf.daysLeft < 30;
  return {
    name: 'TLS',
    status: !verifyOn || soon ? 'warn' : 'ok',
    ms,
    finding: !verifyOn ? `${info.protocol}; certificate NOT verified (--insecure)` : soon ? `${info.protocol}; certificate expires in ${leaf.daysLeft} days` : `${info.protocol}, certificate verified`,
    details,
  };
}
