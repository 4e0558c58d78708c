/** `mqtt-tool tls-check`: inspect a broker's TLS endpoint before it breaks clients. */
import type tls from 'node:tls';
import { describeEndpoint, urlHost } from '../protocol/endpoint.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { mqttProbe } from '../connection/connect-probe.js';
import { decodeConnack, formatCode } from '../connection/reason-codes.js';
import { ExitCode, UsageError } from '../errors.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import { wrap } from '../io/width.js';
import { checkError, renderStep, stepJson, summarize, type CheckStep } from '../report/check-report.js';
import { resolveConnection } from '../setup/resolve.js';
import type { CertificateInfo } from '../tls/certificate.js';
import { nameToVerify } from '../tls/connect-params.js';
import { handshake, probeOptions, probeVersion, type VersionSupport } from '../tls/probe.js';
import { explainTlsCode } from '../tls/verify-errors.js';

export interface TlsCheckFlags extends ConnectionFlags {
  warnDays: number;
  mqtt: boolean;
  json?: boolean;
  color: boolean;
}

/** tls-check offers ALPN "mqtt" when --alpn names nothing, to report whether the server takes it. */
const DEFAULT_ALPN = ['mqtt'];
/** After the handshake, listen this long for the alert that says a client certificate is required. */
const ALERT_WAIT_MS = 300;

export async function runTlsCheck(flags: TlsCheckFlags): Promise<void> {
  const term = createTerminal(flags.color);
  if (flags.url !== undefined && !/^(mqtts|ssl|tls|wss):/i.test(flags.url)) {
    throw new UsageError(`tls-check needs a TLS endpoint: use mqtts://… (got '${flags.url}')`);
  }
  const asTls: TlsCheckFlags = flags.url === undefined ? { ...flags, url: `mqtts://${urlHost(flags.host ?? 'localhost')}`, host: undefined } : flags;
  const { spec } = await resolveConnection(asTls, term, { longRunning: false, embedded: false });
  const timeoutMs = spec.connectTimeoutMs;
  const now = new Date();
  const opts = probeOptions(spec, { alpnDefault: DEFAULT_ALPN });
  const checks: CheckStep[] = [];
  const add = (c: CheckStep): void => {
    checks.push(c);
  };
  const servername = nameToVerify(spec);
  const probe = { timeoutMs, now, alertWaitMs: ALERT_WAIT_MS };

  const main = await handshake(opts, probe);
  const chain: CertificateInfo[] = main.chain;
  if (!main.ok) {
    const code = main.errorCode ?? 'ERROR';
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'EAI_AGAIN') {
      add({ name: 'reachable', status: 'fail', finding: `cannot reach ${spec.host}:${spec.port} (${code})`, hint: code === 'ENOTFOUND' ? 'Check the host name.' : 'Is the broker running, and is the port right?', exitCode: ExitCode.network });
    } else if (code === 'ETIMEDOUT') {
      add({ name: 'handshake', status: 'fail', finding: `no TLS handshake within ${timeoutMs / 1000} s`, hint: 'The port accepts TCP but does not answer TLS in time.', exitCode: ExitCode.timeout });
    } else if (main.notTls || code === 'ECONNRESET') {
      add({ name: 'handshake', status: 'fail', finding: 'the server does not speak TLS on this port', hint: 'This is probably a plain listener: use the TLS port (usually 8883).', exitCode: ExitCode.tls });
    } else if (/HANDSHAKE_FAILURE|CERTIFICATE_REQUIRED/.test(code) && spec.tls?.cert === undefined) {
      add({ name: 'handshake', status: 'fail', finding: `the handshake failed (${code}): the server most likely requires a client certificate`, hint: 'Pass --cert and --key.', exitCode: ExitCode.tls });
    } else {
      add({ name: 'handshake', status: 'fail', finding: `the handshake failed (${code})`, hint: 'Try --tls-version, or check the broker TLS configuration.', exitCode: ExitCode.tls });
    }
  } else {
    add({ name: 'handshake', status: 'ok', finding: `${main.protocol}, ${main.cipher}, SNI '${servername}'` });
    add({
      name: 'ALPN',
      status: 'info',
      finding: main.alpn === null ? `the server selected no ALPN protocol (offered: ${(opts.ALPNProtocols as string[]).join(', ')})` : `the server accepted '${main.alpn}'`,
    });

    // Verification against the system store or --cafile, host name included (node:tls reports both).
    const leaf = chain[0];
    if (!main.authorized) {
      const code = main.authorizationError ?? '?';
      const problem = explainTlsCode(code, { name: servername, leaf }) ?? { finding: `certificate not trusted (${code})`, hint: 'Pass the CA that signed the broker certificate with --cafile.' };
      add({ name: 'verification', status: 'fail', finding: problem.finding, hint: problem.hint, exitCode: ExitCode.tls });
    } else {
      add({ name: 'verification', status: 'ok', finding: `trusted (${spec.tls?.ca === undefined ? 'system CA store' : '--cafile'}), and it covers '${servername}'` });
    }
    const weak = chain.flatMap((c) => c.weaknesses.map((w) => `${c.subject}: ${w}`));
    if (weak.length > 0) add({ name: 'strength', status: 'warn', finding: weak.join('; '), hint: 'Reissue with an RSA key of 2048+ bits (or ECDSA P-256) and a SHA-256 signature.' });
    else if (chain.length > 0) add({ name: 'strength', status: 'ok', finding: 'keys and signatures are strong enough' });

    const soonest = [...chain].sort((a, b) => a.daysLeft - b.daysLeft)[0];
    if (soonest !== undefined && soonest.daysLeft >= 0) {
      const soon = soonest.daysLeft < flags.warnDays;
      add({
        name: 'expiry',
        status: soon ? 'warn' : 'ok',
        finding: `${soon ? 'expires soon: ' : 'first expiry: '}'${soonest.subject}' in ${soonest.daysLeft} days (${soonest.validTo.slice(0, 10)})`,
        ...(soon ? { hint: `Renew before ${soonest.validTo.slice(0, 10)} (warning threshold --warn-days ${flags.warnDays}).` } : {}),
      });
    }

    // Client certificate: what happens without one, and whether the given one is accepted.
    const withoutCert = spec.tls?.cert === undefined ? main : await handshake(opts, probe);
    const required = withoutCert.postHandshakeError !== null && /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ALERT/.test(withoutCert.postHandshakeError);
    if (spec.tls?.cert === undefined) {
      add(required ? { name: 'client certificate', status: 'fail', finding: 'the server requires a client certificate', hint: 'Pass --cert and --key.', exitCode: ExitCode.tls } : { name: 'client certificate', status: 'info', finding: 'not required' });
    } else {
      const withCert = await handshake({ ...opts, cert: spec.tls.cert, key: spec.tls.key }, probe);
      const problem = withCert.errorCode ?? withCert.postHandshakeError;
      add(
        problem === null
          ? { name: 'client certificate', status: 'ok', finding: `${required ? 'required, and ' : ''}the given certificate is accepted` }
          : { name: 'client certificate', status: 'fail', finding: `the given certificate is rejected (${problem})`, hint: 'Use a client certificate signed by a CA the broker trusts.', exitCode: ExitCode.tls },
      );
    }
  }

  // Versions, each probed on its own.
  const versions: Array<[tls.SecureVersion, VersionSupport]> = [];
  // Versions only where TLS answered at all: a plain listener would list every version as refused.
  const spokeTls = main.ok || !(main.notTls || main.errorCode === 'ECONNRESET' || main.errorCode === 'ECONNREFUSED' || main.errorCode === 'ETIMEDOUT');
  if (spokeTls) {
    for (const v of ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as tls.SecureVersion[]) versions.push([v, await probeVersion(opts, v, Math.min(timeoutMs, 5_000), now)]);
    const legacy = versions.filter(([v, s]) => (v === 'TLSv1' || v === 'TLSv1.1') && s === 'accepted').map(([v]) => v);
    add({
      name: 'versions',
      status: legacy.length > 0 ? 'warn' : 'info',
      finding: versions.map(([v, s]) => `${v.replace('TLSv1', 'TLS 1').replace('TLS 1.', 'TLS 1.').replace(/^TLS 1$/, 'TLS 1.0')}: ${s}`).join(', '),
      ...(legacy.length > 0 ? { hint: 'Disable TLS 1.0 and 1.1 on the broker (allow TLS 1.2 and newer only).' } : {}),
    });
  }

  // MQTT over the connection: is it really a broker?
  if (main.ok && flags.mqtt) {
    const tlsOpts = { ...opts, ...(spec.tls?.cert === undefined ? {} : { cert: spec.tls.cert, key: spec.tls.key }) };
    const probe = await mqttProbe(spec, spec.host, spec.protocolVersion, tlsOpts, timeoutMs);
    if (probe.kind === 'connack') {
      const code = (spec.protocolVersion === 5 ? probe.packet.reasonCode : probe.packet.returnCode) ?? 0;
      const info = decodeConnack(spec.protocolVersion, code);
      add(code === 0 ? { name: 'MQTT', status: 'ok', finding: 'an MQTT broker answered CONNECT: accepted' } : { name: 'MQTT', status: 'warn', finding: `an MQTT broker answered CONNECT: ${info.name} (${formatCode(code)})`, hint: info.hint ?? info.meaning });
    } else {
      add({ name: 'MQTT', status: 'warn', finding: `no CONNACK over TLS (${probe.kind})`, hint: 'The endpoint may not be an MQTT broker (or it is a WebSocket port).' });
    }
  }

  const summary = summarize(checks);
  if (flags.json === true) {
    const report = {
      target: describeEndpoint(spec),
      servername,
      result: summary.result,
      exitCode: summary.exitCode,
      handshake: main.ok ? { protocol: main.protocol, cipher: main.cipher, alpn: main.alpn } : { error: main.errorCode },
      chain,
      versions: Object.fromEntries(versions),
      checks: checks.map((c) => stepJson(c, 'check')),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(render(term, describeEndpoint(spec), main.ok ? chain : undefined, checks));
  }
  const error = checkError('tls-check', summary, flags.json !== true && term.stdoutColumns !== undefined);
  if (error !== undefined) throw error;
}

/** `chain` undefined: the handshake failed, so there is no chain to show. */
function render(term: Terminal, target: string, chain: CertificateInfo[] | undefined, checks: CheckStep[]): string {
  const lines = [`tls-check ${target}`, ''];
  if (chain === undefined) {
    const layout = { nameWidth: 19, showMs: false, columns: term.stdoutColumns };
    return `${lines.join('\n')}\n${checks.map((c) => renderStep(term.out, c, layout)).join('')}`;
  }
  lines.push('certificate chain (as presented):');
  chain.forEach((c, i) => {
    lines.push(`  ${i}  ${term.out.bold(c.subject)}${c.selfSigned ? ' (self-signed)' : ''}${c.isCa ? ' [CA]' : ''}`);
    // Wrapped on a terminal like the checks below; a fingerprint is one word and stays whole.
    const detail = (text: string): void => {
      lines.push(`     ${wrap(text, 5, 5, term.stdoutColumns)}`);
    };
    detail(`issuer ${c.issuer}; valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)} (${c.daysLeft} days left)`);
    detail(`key ${c.keyType.toUpperCase()} ${c.keyBits ?? '?'} bits; signature ${c.signatureAlgorithm}; serial ${c.serial}`);
    if (c.names.length > 0) detail(`names ${c.names.join(', ')}`);
    detail(`sha256 ${c.sha256}`);
  });
  if (chain.length === 0) lines.push('  (none received)');
  lines.push('');
  const layout = { nameWidth: 19, showMs: false, columns: term.stdoutColumns };
  return `${lines.join('\n')}\n${checks.map((c) => renderStep(term.out, c, layout)).join('')}`;
}
