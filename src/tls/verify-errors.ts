/**
 * The one table that turns node:tls / OpenSSL codes (certificate verification and
 * handshake failures) into words and a fix. Used by the connection errors of every
 * command, by diagnose and by tls-check. Pure.
 */
import type { CertificateInfo } from './certificate.js';

export interface TlsProblem {
  readonly finding: string;
  readonly hint: string;
}

export interface TlsProblemContext {
  /** The name the certificate must cover (SNI or host). */
  readonly name: string;
  /** The broker's own certificate, when it was seen. */
  readonly leaf?: CertificateInfo | undefined;
  /** The names the broker's certificate covers, when only they are known (a failed connection's error carries them). */
  readonly names?: readonly string[] | undefined;
}

const NOT_TLS: TlsProblem = {
  finding: 'the server is not speaking TLS on this port',
  hint: 'Use mqtt:// (plain) for this port, or the TLS port (usually 8883).',
};
const TRUST_HINT = 'Pass the CA that signed the broker certificate with --cafile (--insecure skips verification, for testing only).';

export function explainTlsCode(code: string, ctx: TlsProblemContext): TlsProblem | undefined {
  const leaf = ctx.leaf;
  const issuer = leaf === undefined ? '' : ` '${leaf.issuer}'`;
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return {
        finding: `a certificate has expired${leaf === undefined ? '' : ` (the broker certificate is valid to ${leaf.validTo})`}`,
        hint: 'Renew the broker certificate; `mqtt-tool tls-check` shows the dates.',
      };
    case 'CERT_NOT_YET_VALID':
      return {
        finding: `a certificate is not valid yet${leaf === undefined ? '' : ` (the broker certificate is valid from ${leaf.validFrom})`}`,
        hint: "Check the certificate dates and this machine's clock.",
      };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return { finding: 'the broker certificate is self-signed and not trusted', hint: 'Pass that certificate (or its CA) with --cafile (--insecure skips verification, for testing only).' };
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return { finding: 'the chain ends in a self-signed CA that is not trusted', hint: TRUST_HINT };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return {
        finding: `unknown issuer or incomplete chain: the server did not send the intermediate${issuer}, or its CA is not trusted (unknown CA)`,
        hint: 'Pass the CA with --cafile, or have the broker send its full chain.',
      };
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return { finding: `unknown issuer:${issuer === '' ? ' the CA that signed the broker certificate' : issuer} is not trusted here (unknown CA)`, hint: TRUST_HINT };
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return { finding: 'the issuer certificate could not be found (incomplete chain)', hint: 'Have the broker send its full chain, or pass the CA with --cafile.' };
    case 'CERT_SIGNATURE_FAILURE':
      return { finding: 'a certificate signature does not verify', hint: 'The chain is damaged or mixed up: reissue or reinstall it on the broker.' };
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = leaf?.names ?? ctx.names;
      return {
        finding: `the broker certificate does not cover the name '${ctx.name}'${names === undefined ? '' : ` (it covers: ${names.join(', ') || 'no names'})`}`,
        hint: 'Connect with one of the names it covers, or give --servername NAME to check the certificate against that name.',
      };
    }
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return NOT_TLS;
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return { finding: 'the broker requires a client certificate', hint: 'Pass --cert and --key.' };
    case 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE':
      return {
        finding: "the broker ended the TLS handshake with the alert 'handshake failure' (no common cipher or version, a client certificate it requires, or an unknown PSK identity)",
        hint: "Compare --ciphers / --tls13-ciphers and --tls-version with the broker's, pass --cert and --key if it wants a client certificate; with --psk, check --psk-identity.",
      };
    case 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION':
    case 'ERR_SSL_UNSUPPORTED_PROTOCOL':
      return { finding: 'the broker does not accept this TLS version', hint: 'Try --tls-version tlsv1.2 or tlsv1.3.' };
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
      return { finding: 'the broker does not trust our client certificate (unknown CA)', hint: 'Use a client certificate signed by a CA the broker trusts.' };
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
      return { finding: 'the broker rejected our client certificate', hint: 'Use a client certificate the broker accepts.' };
    default:
      return undefined;
  }
}

/** True for the codes that mean "the peer answered, but not in TLS". */
export function isNotTlsCode(code: string): boolean {
  return code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG';
}

/** A TLS alert the broker sent, by its OpenSSL name ("bad record mac"), in words; undefined for alerts named elsewhere. */
export function explainTlsAlert(alert: string, usesPsk: boolean): { finding: string; hint: string } {
  switch (alert) {
    case 'unknown psk identity':
      return { finding: "the broker does not know this PSK identity (alert 'unknown psk identity')", hint: "Check --psk-identity against the broker's psk_file." };
    case 'bad record mac':
    case 'decrypt error':
      if (usesPsk) return { finding: `the TLS-PSK key does not match the broker's (alert '${alert}')`, hint: "Check --psk against the key for this identity in the broker's psk_file." };
      break;
    case 'handshake failure':
      return explainTlsCode('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', { name: '' }) as { finding: string; hint: string };
    case 'insufficient security':
      return { finding: "the broker accepts none of the offered ciphers (alert 'insufficient security')", hint: "Compare --ciphers / --tls13-ciphers with the broker's." };
  }
  return { finding: `the broker ended the TLS handshake with the alert '${alert}'`, hint: 'The broker log says why; `mqtt-tool tls-check` shows what the port offers.' };
}
