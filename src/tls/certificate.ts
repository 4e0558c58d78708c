/**
 * Certificate facts for tls-check and diagnose, from node:crypto's X509Certificate. Node 20
 * does not expose the signature algorithm, so a few lines of DER walking read
 * its OID from the certificate's outer structure. Pure.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  daysLeft: number;
  keyType: string;
  keyBits: number | undefined;
  signatureAlgorithm: string;
  names: string[];
  serial: string;
  sha256: string;
  selfSigned: boolean;
  isCa: boolean;
  /** Weak key or signature, in words; empty when fine. */
  weaknesses: string[];
}

const SIG_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

/** Reads one DER TLV header at `offset`; returns where its content starts and how long it is. */
function tlv(der: Buffer, offset: number): { tag: number; start: number; length: number } {
  const tag = der[offset] as number;
  let len = der[offset + 1] as number;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] as number);
    start += n;
  }
  return { tag, start, length: len };
}

function decodeOid(bytes: Buffer): string {
  const first = bytes[0] as number;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (const b of bytes.subarray(1)) {
    value = value * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature } */
export function signatureAlgorithm(der: Buffer): string {
  try {
    const cert = tlv(der, 0);
    const tbs = tlv(der, cert.start);
    const algId = tlv(der, tbs.start + tbs.length);
    const oid = tlv(der, algId.start);
    if (oid.tag !== 0x06) return 'unknown';
    const dotted = decodeOid(der.subarray(oid.start, oid.start + oid.length));
    return SIG_OIDS[dotted] ?? dotted;
  } catch {
    return 'unknown';
  }
}

/** The names in a subjectAltName string as node:crypto and node:tls print it ("DNS:a, IP Address:1.2.3.4"). */
export function subjectAltNames(san: string | undefined): string[] {
  return (san ?? '')
    .split(', ')
    .filter((n) => n !== '')
    .map((n) => n.replace(/^(DNS|IP Address):/, ''));
}

function cn(dn: string): string {
  const m = /(?:^|\n)CN=([^\n]*)/.exec(dn);
  return m?.[1] ?? dn.replace(/\n/g, ', ');
}

export function describeCertificate(der: Buffer, now: Date): CertificateInfo {
  const x = new X509Certificate(der);
  const details = x.publicKey.asymmetricKeyDetails;
  const keyType = x.publicKey.asymmetricKeyType ?? 'unknown';
  const keyBits = details?.modulusLength ?? (details?.namedCurve === undefined ? undefined : { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[details.namedCurve as string]);
  const sig = signatureAlgorithm(der);
  const weaknesses: string[] = [];
  if ((keyType === 'rsa' || keyType === 'rsa-pss' || keyType === 'dsa') && keyBits !== undefined && keyBits < 2048) weaknesses.push(`${keyType.toUpperCase()} key of ${keyBits} bits (under 2048)`);
  const selfSigned = x.subject === x.issuer && x.verify(x.publicKey);
  if (/sha1|md5/i.test(sig) && !selfSigned) weaknesses.push(`${sig} signature (SHA-1/MD5 are broken)`);
  return {
    subject: cn(x.subject),
    issuer: cn(x.issuer),
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
    daysLeft: Math.floor((Date.parse(x.validTo) - now.getTime()) / 86_400_000),
    keyType,
    keyBits,
    signatureAlgorithm: sig,
    names: subjectAltNames(x.subjectAltName),
    serial: x.serialNumber,
    sha256: x.fingerprint256,
    selfSigned,
    isCa: x.ca,
    weaknesses,
  };
}
