import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { describeCertificate, signatureAlgorithm, subjectAltNames } from '../../src/tls/certificate.js';
import { explainTlsCode } from '../../src/tls/verify-errors.js';

const TLS = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const der = (name: string): Buffer => Buffer.from(new X509Certificate(readFileSync(`${TLS}${name}.crt`)).raw);
const at = new Date('2030-01-01T00:00:00Z');

describe('describeCertificate', () => {
  test('a valid leaf: names, key, signature, days left from a fixed date', () => {
    const c = describeCertificate(der('valid'), at);
    expect(c).toMatchObject({
      subject: 'valid',
      issuer: 'mqtt-tool test intermediate CA',
      keyType: 'rsa',
      keyBits: 2048,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      names: ['localhost', '127.0.0.1', '0:0:0:0:0:0:0:1'],
      selfSigned: false,
      isCa: false,
      weaknesses: [],
    });
    expect(c.daysLeft).toBe(Math.floor((Date.parse('2125-01-01T00:00:00Z') - at.getTime()) / 86_400_000));
    expect(c.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });
  test('an expired leaf has negative days left', () => {
    expect(describeCertificate(der('expired'), at).daysLeft).toBeLessThan(0);
  });
  test('an RSA-1024 key is a weakness', () => {
    expect(describeCertificate(der('weak-key'), at).weaknesses).toEqual(['RSA key of 1024 bits (under 2048)']);
  });
  test('self-signed and CA flags', () => {
    expect(describeCertificate(der('self-signed'), at)).toMatchObject({ selfSigned: true });
    expect(describeCertificate(der('root'), at)).toMatchObject({ selfSigned: true, isCa: true });
  });
  test('the signature algorithm is read from DER; garbage gives unknown', () => {
    expect(signatureAlgorithm(der('intermediate'))).toBe('sha256WithRSAEncryption');
    expect(signatureAlgorithm(Buffer.from([0x30, 0x01]))).toBe('unknown');
  });
  test('verification codes in words name the missing issuer and the names a certificate covers', () => {
    const leaf = describeCertificate(der('valid'), at);
    expect(explainTlsCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE', { name: 'localhost', leaf })?.finding).toContain("'mqtt-tool test intermediate CA'");
    expect(explainTlsCode('ERR_TLS_CERT_ALTNAME_INVALID', { name: 'other.example', leaf })?.finding).toBe(
      `the broker certificate does not cover the name 'other.example' (it covers: ${leaf.names.join(', ')})`,
    );
    expect(explainTlsCode('ERR_TLS_CERT_ALTNAME_INVALID', { name: 'other.example' })?.finding).toBe("the broker certificate does not cover the name 'other.example'");
    expect(explainTlsCode('SOMETHING_ELSE', { name: 'x', leaf })).toBeUndefined();
  });
  test.each([
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_GET_ISSUER_CERT',
    'CERT_SIGNATURE_FAILURE',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'ERR_SSL_PACKET_LENGTH_TOO_LONG',
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    'ERR_SSL_UNSUPPORTED_PROTOCOL',
    'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
    'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  ])('%s has words and a fix, with and without the certificate', (code) => {
    const leaf = describeCertificate(der('valid'), at);
    for (const ctx of [{ name: 'localhost' }, { name: 'localhost', leaf }]) {
      const p = explainTlsCode(code, ctx);
      expect(p?.finding.length).toBeGreaterThan(10);
      expect(p?.hint).toMatch(/\.$/);
    }
  });
  test('subjectAltName strings become plain names', () => {
    expect(subjectAltNames('DNS:localhost, IP Address:127.0.0.1, DNS:a.example')).toEqual(['localhost', '127.0.0.1', 'a.example']);
    expect(subjectAltNames(undefined)).toEqual([]);
    expect(subjectAltNames('')).toEqual([]);
  });
});
