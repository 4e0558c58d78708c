/** `mqtt-tool tls-check`: inspect a broker's TLS endpoint before it breaks clients. */
import tls from 'node:tls';
import { describeEndpoint, type ConnectionFlags } from '../connection/options.js';
import { resolveConnection } from '../connection/resolve.js';
import { decodeConnack, formatCode } from '../connection/reason-codes.js';
import { ExitCode, UsageError, errorForExitCode, type ExitCodeValue } from '../errors.js';
import { createTerminal, type Terminal } from '../io/terminal.js';
import { verifyErrorInWords, type CertificateInfo } from '../tls/certificate.js';
import { baseOptions, handshake, probeVersion, type VersionSupport } from '../tls/inspect.js';
import { mqttProbe } from '../diagnose/probe.js';

export interface TlsCheckFlags extends ConnectionFlags {
  warnDays: number;
  mqtt: boolean;
  json?: boolean;
  color: boolean;
}

type Status = 'ok' | 'warn' | 'fail' | 'info';
interface Check {
  check: string;
  status: Status;
  finding: string;
  hint?: string;
  exitCode?: ExitCodeValue;
}

export async function runTlsCheck(flags: TlsCheckFlags): Promise<void> {
  const term = createTerminal(flags.color);
  if (flags.url !== undefined && !/^(mqtts|ssl|tls|wss):/i.test(flags.url)) {
    throw new UsageError(`tls-check needs a TLS endpoint: use mqtts://… (got '${flags.url}')`);
  }
  const asTls: TlsCheckFlags = flags.url === undefined ? { ...flags, url: `mqtts://${(flags.host ?? 'localhost').includes(':') ? `[${flags.host}]` : (flags.host ?? 'localhost')}`, host: undefined } : flags;
  const { spec } = await resolveConnection(asTls, term, { longRunning: false, embedded: false });
  const timeoutMs = spec.connectTimeoutMs;
  const now = new Date();
  const opts = baseOptions(spec);
  const checks: Check[] = [];
  const add = (c: Check): void => {
    checks.push(c);
  };
  const servername = opts.servername ?? spec.host;

  const main = await handshake(opts, timeoutMs, now);
  const chain: CertificateInfo[] = main.chain;
  if (!main.ok) {
    const code = main.errorCode ?? 'ERROR';
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'EAI_AGAIN') {
      add({ check: 'reachable', status: 'fail', finding: `cannot reach ${spec.host}:${spec.port} (${code})`, hint: code === 'ENOTFOUND' ? 'Check the host name.' : 'Is the broker running, and is the port right?', exitCode: ExitCode.network });
    } else if (code === 'ETIMEDOUT') {
      add({ check: 'handshake', status: 'fail', finding: `no TLS handshake within ${timeoutMs / 1000} s`, hint: 'The port accepts TCP but does not answer TLS in time.', exitCode: ExitCode.timeout });
    } else if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ECONNRESET' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
      add({ check: 'handshake', status: 'fail', finding: 'the server does not speak TLS on this port', hint: 'This is probably a plain listener: use the TLS port (usually 8883).', exitCode: ExitCode.tls });
    } else if (/HANDSHAKE_FAILURE|CERTIFICATE_REQUIRED/.test(code) && spec.tls?.cert === undefined) {
      add({ check: 'handshake', status: 'fail', finding: `the handshake failed (${code}): the server most likely requires a client certificate`, hint: 'Pass --cert and --key.', exitCode: ExitCode.tls });
    } else {
      add({ check: 'handshake', status: 'fail', finding: `the handshake failed (${code})`, hint: 'Try --tls-version, or check the broker TLS configuration.', exitCode: ExitCode.tls });
    }
  } else {
    add({ check: 'handshake', status: 'ok', finding: `${main.protocol}, ${main.cipher}, SNI '${servername}'` });
    add({
      check: 'ALPN',
      status: 'info',
      finding: main.alpn === null ? `the server selected no ALPN protocol (offered: ${(opts.ALPNProtocols as string[]).join(', ')})` : `the server accepted '${main.alpn}'`,
    });

    // Verification against the system store or --cafile, then the host name.
    const leaf = chain[0];
    const nameMismatch =
      main.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID' || (main.authorized && main.peer !== null && tls.checkServerIdentity(servername, main.peer) !== undefined);
    if (nameMismatch) {
      add({ check: 'verification', status: 'fail', finding: `the certificate does not cover '${servername}'; it covers: ${leaf?.names.join(', ') || '(no names)'}`, hint: 'Connect with a name it covers (or set --servername), or reissue the certificate with this name.', exitCode: ExitCode.tls });
    } else if (!main.authorized) {
      add({ check: 'verification', status: 'fail', finding: verifyErrorInWords(main.authorizationError ?? '?', leaf), hint: 'Pass the CA that signed the broker certificate with --cafile, or have the broker send its full chain.', exitCode: ExitCode.tls });
    } else {
      add({ check: 'verification', status: 'ok', finding: `trusted (${spec.tls?.ca === undefined ? 'system CA store' : '--cafile'}), and it covers '${servername}'` });
    }
    const weak = chain.flatMap((c) => c.weaknesses.map((w) => `${c.subject}: ${w}`));
    if (weak.length > 0) add({ check: 'strength', status: 'warn', finding: weak.join('; '), hint: 'Reissue with an RSA key of 2048+ bits (or ECDSA P-256) and a SHA-256 signature.' });
    else if (chain.length > 0) add({ check: 'strength', status: 'ok', finding: 'keys and signatures are strong enough' });

    const soonest = [...chain].sort((a, b) => a.daysLeft - b.daysLeft)[0];
    if (soonest !== undefined && soonest.daysLeft >= 0) {
      const soon = soonest.daysLeft < flags.warnDays;
      add({
        check: 'expiry',
        status: soon ? 'warn' : 'ok',
        finding: `${soon ? 'expires soon: ' : 'first expiry: '}'${soonest.subject}' in ${soonest.daysLeft} days (${soonest.validTo.slice(0, 10)})`,
        ...(soon ? { hint: `Renew before ${soonest.validTo.slice(0, 10)} (warning threshold --warn-days ${flags.warnDays}).` } : {}),
      });
    }

    // Client certificate: what happens without one, and whether the given one is accepted.
    const withoutCert = spec.tls?.cert === undefined ? main : await handshake(opts, timeoutMs, now);
    const required = withoutCert.postHandshakeError !== null && /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ALERT/.test(withoutCert.postHandshakeError);
    if (spec.tls?.cert === undefined) {
      add(required ? { check: 'client certificate', status: 'fail', finding: 'the server requires a client certificate', hint: 'Pass --cert and --key.', exitCode: ExitCode.tls } : { check: 'client certificate', status: 'info', finding: 'not required' });
    } else {
      const withCert = await handshake({ ...opts, cert: spec.tls.cert, key: spec.tls.key }, timeoutMs, now);
      const problem = withCert.errorCode ?? withCert.postHandshakeError;
      add(
        problem === null
          ? { check: 'client certificate', status: 'ok', finding: `${required ? 'required, and ' : ''}the given certificate is accepted` }
          : { check: 'client certificate', status: 'fail', finding: `the given certificate is rejected (${problem})`, hint: 'Use a client certificate signed by a CA the broker trusts.', exitCode: ExitCode.tls },
      );
    }
  }

  // Versions, each probed on its own.
  const versions: Array<[tls.SecureVersion, VersionSupport]> = [];
  if (main.ok || main.errorCode !== 'ECONNREFUSED') {
    for (const v of ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as tls.SecureVersion[]) versions.push([v, await probeVersion(opts, v, Math.min(timeoutMs, 5_000), now)]);
    const legacy = versions.filter(([v, s]) => (v === 'TLSv1' || v === 'TLSv1.1') && s === 'accepted').map(([v]) => v);
    add({
      check: 'versions',
      status: legacy.length > 0 ? 'warn' : 'info',
      finding: versions.map(([v, s]) => `${v.replace('TLSv1', 'TLS 1').replace('TLS 1.', 'TLS 1.').replace(/^TLS 1$/, 'TLS 1.0')}: ${s}`).join(', '),
      ...(legacy.length > 0 ? { hint: 'Disable TLS 1.0/1.1 on the broker (tls_version tlsv1.2).' } : {}),
    });
  }

  // MQTT over the connection: is it really a broker?
  if (main.ok && flags.mqtt) {
    const tlsOpts = { ...opts, ...(spec.tls?.cert === undefined ? {} : { cert: spec.tls.cert, key: spec.tls.key }) };
    const probe = await mqttProbe(spec, spec.host, spec.protocolVersion, tlsOpts, timeoutMs);
    if (probe.kind === 'connack') {
      const code = (spec.protocolVersion === 5 ? probe.packet.reasonCode : probe.packet.returnCode) ?? 0;
      const info = decodeConnack(spec.protocolVersion, code);
      add(code === 0 ? { check: 'MQTT', status: 'ok', finding: 'an MQTT broker answered CONNECT: accepted' } : { check: 'MQTT', status: 'warn', finding: `an MQTT broker answered CONNECT: ${info.name} (${formatCode(code)})`, hint: info.hint ?? info.meaning });
    } else {
      add({ check: 'MQTT', status: 'warn', finding: `no CONNACK over TLS (${probe.kind})`, hint: 'The endpoint may not be an MQTT broker (or it is a WebSocket port).' });
    }
  }

  const failed = checks.find((c) => c.status === 'fail');
  const warned = checks.some((c) => c.status === 'warn');
  const exitCode = failed?.exitCode ?? (warned ? ExitCode.checkFailed : ExitCode.ok);
  if (flags.json === true) {
    const report = {
      target: describeEndpoint(spec),
      servername,
      result: failed !== undefined ? 'failed' : warned ? 'warnings' : 'ok',
      exitCode,
      handshake: main.ok ? { protocol: main.protocol, cipher: main.cipher, alpn: main.alpn } : { error: main.errorCode },
      chain,
      versions: Object.fromEntries(versions),
      checks,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(render(term, describeEndpoint(spec), chain, checks));
  }
  if (exitCode !== ExitCode.ok) throw errorForExitCode(exitCode, `tls-check: ${failed !== undefined ? `${failed.check} failed` : 'completed with warnings'}`, undefined);
}

function render(term: Terminal, target: string, chain: CertificateInfo[], checks: Check[]): string {
  const mark = (s: Status): string => ({ ok: term.out.green('ok  '), warn: term.out.yellow('warn'), fail: term.out.red('FAIL'), info: term.out.dim('info') })[s];
  const lines = [`tls-check ${target}`, '', 'certificate chain (as presented):'];
  chain.forEach((c, i) => {
    lines.push(`  ${i}  ${term.out.bold(c.subject)}${c.selfSigned ? ' (self-signed)' : ''}${c.isCa ? ' [CA]' : ''}`);
    lines.push(`     issuer ${c.issuer}; valid ${c.validFrom.slice(0, 10)} to ${c.validTo.slice(0, 10)} (${c.daysLeft} days left)`);
    lines.push(`     key ${c.keyType.toUpperCase()} ${c.keyBits ?? '?'} bits; signature ${c.signatureAlgorithm}; serial ${c.serial}`);
    if (c.names.length > 0) lines.push(`     names ${c.names.join(', ')}`);
    lines.push(`     sha256 ${c.sha256}`);
  });
  if (chain.length === 0) lines.push('  (none received)');
  lines.push('');
  for (const c of checks) {
    lines.push(`${mark(c.status)}  ${c.check.padEnd(19)} ${c.finding}`);
    if (c.hint !== undefined && (c.status === 'fail' || c.status === 'warn')) lines.push(`${' '.repeat(25)}fix: ${c.hint}`);
  }
  return `${lines.join('\n')}\n`;
}
