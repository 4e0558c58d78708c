import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { describeCertificate, signatureAlgorithm, verifyErrorInWords } from '../../src/tls/certificate.js';

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
  test('verification codes in words name the missing issuer', () => {
    const leaf = describeCertificate(der('valid'), at);
    expect(verifyErrorInWords('UNABLE_TO_VERIFY_LEAF_SIGNATURE', leaf)).toContain("'mqtt-tool test intermediate CA'");
    expect(verifyErrorInWords('SOMETHING_ELSE', leaf)).toBe('SOMETHING_ELSE');
  });
});
