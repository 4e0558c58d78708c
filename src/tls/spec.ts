/**
 * The TLS flags -> TlsSpec. Pure except for the injected file readers, so every rule is
 * unit-testable; the command-line flags type extends TlsFlags.
 */
import type { SecureVersion } from 'node:tls';
import { UsageError } from '../errors.js';
import type { TlsSpec } from '../protocol/spec.js';

/** The TLS part of the connection flags, as commander hands them over. */
export interface TlsFlags {
  cafile?: string;
  capath?: string;
  tlsUseOsCerts?: boolean;
  cert?: string;
  key?: string;
  keyPasswordFile?: string;
  insecure?: boolean;
  tlsVersion?: string;
  alpn?: string[];
  servername?: string;
  ciphers?: string;
  tls13Ciphers?: string;
  tlsKeylog?: string;
  psk?: string;
  pskIdentity?: string;
}

/** Every TLS flag with its spelling: giving any of them asks for TLS; --unix refuses them all by name. */
export const TLS_FLAGS: ReadonlyArray<readonly [keyof TlsFlags, string]> = [
  ['cafile', '--cafile'],
  ['capath', '--capath'],
  ['tlsUseOsCerts', '--tls-use-os-certs'],
  ['cert', '--cert'],
  ['key', '--key'],
  ['keyPasswordFile', '--key-password-file'],
  ['insecure', '--insecure'],
  ['tlsVersion', '--tls-version'],
  ['alpn', '--alpn'],
  ['servername', '--servername'],
  ['ciphers', '--ciphers'],
  ['tls13Ciphers', '--tls13-ciphers'],
  ['tlsKeylog', '--tls-keylog'],
  ['psk', '--psk'],
  ['pskIdentity', '--psk-identity'],
];

/** The TLS flags given (a false boolean is not given), by their spellings. */
export function givenTlsFlags(flags: TlsFlags): string[] {
  return TLS_FLAGS.filter(([key]) => flags[key] !== undefined && flags[key] !== false).map(([, name]) => name);
}

/** What building a TlsSpec reads from outside: files named by flags and the system's CA list. */
export interface TlsFileAccess {
  /** Reads a file named by a flag; throws UsageError naming the flag when it cannot. */
  readonly readFile: (flag: string, path: string) => Buffer;
  /** The certificates (PEM) of a CA directory (--capath); throws UsageError naming the flag when it cannot. */
  readonly readCaDirectory: (flag: string, dir: string) => Buffer[];
  /** The operating system's trusted CA certificates (PEM), for --tls-use-os-certs. */
  readonly osCaCertificates: () => string[];
}

const TLS_VERSIONS: Record<string, SecureVersion> = {
  'tlsv1.2': 'TLSv1.2',
  '1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
  '1.3': 'TLSv1.3',
  'tlsv1.1': 'TLSv1.1',
  '1.1': 'TLSv1.1',
  'tlsv1': 'TLSv1',
  'tlsv1.0': 'TLSv1',
  '1.0': 'TLSv1',
};

/** --tls-version in any spelling a person or a profile uses ("tlsv1.3", "TLSv1.3", "1.3"). */
export function parseTlsVersion(value: string): SecureVersion {
  const v = TLS_VERSIONS[value.toLowerCase()];
  if (v === undefined) throw new UsageError(`unknown TLS version '${value}' for --tls-version: use tlsv1.2 or tlsv1.3`);
  return v;
}

/** --cafile, --capath and --tls-use-os-certs together: the CAs to trust, or undefined for Node's own list. */
function trustedCas(flags: TlsFlags, files: TlsFileAccess): Buffer[] | undefined {
  const cas: Buffer[] = [];
  if (flags.cafile !== undefined) cas.push(files.readFile('--cafile', flags.cafile));
  if (flags.capath !== undefined) {
    const found = files.readCaDirectory('--capath', flags.capath);
    if (found.length === 0) throw new UsageError(`--capath '${flags.capath}' holds no certificate (.pem, .crt, or OpenSSL hash names like 1a2b3c4d.0)`);
    cas.push(...found);
  }
  if (flags.tlsUseOsCerts === true) {
    const os = files.osCaCertificates();
    if (os.length === 0) throw new UsageError('--tls-use-os-certs: no CA certificates of the operating system were found', { hint: 'Install them (Debian: apt-get install ca-certificates), or give --cafile.' });
    cas.push(...os.map((pem) => Buffer.from(pem)));
  }
  return cas.length === 0 ? undefined : cas;
}

function buildPsk(flags: TlsFlags, version: SecureVersion | undefined): TlsSpec['psk'] {
  if (flags.psk === undefined && flags.pskIdentity === undefined) return undefined;
  if (flags.psk === undefined || flags.pskIdentity === undefined) throw new UsageError('--psk and --psk-identity go together: give both');
  if (!/^([0-9a-fA-F]{2})+$/.test(flags.psk)) throw new UsageError('--psk must be the key in hexadecimal (an even number of 0-9, a-f), as in Mosquitto\'s psk_file');
  if (flags.cert !== undefined || flags.cafile !== undefined || flags.capath !== undefined) {
    throw new UsageError('--psk replaces certificates: drop --cafile, --capath, --cert and --key');
  }
  if (version === 'TLSv1.3') throw new UsageError('--psk works with TLS 1.2 here (Node has no TLS 1.3 PSK for clients): drop --tls-version tlsv1.3');
  return { key: Buffer.from(flags.psk, 'hex'), identity: flags.pskIdentity };
}

/** One PEM bundle; each file ends in a newline, so no certificate runs into the next. */
function bundle(cas: Buffer[]): Buffer {
  return cas.length === 1 ? (cas[0] as Buffer) : Buffer.concat(cas.map((c) => (c.at(-1) === 0x0a ? c : Buffer.concat([c, Buffer.from('\n')]))));
}

export function buildTlsSpec(flags: TlsFlags, files: TlsFileAccess): TlsSpec {
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw new UsageError('--cert and --key go together: give both, or neither');
  }
  if (flags.keyPasswordFile !== undefined && flags.key === undefined) throw new UsageError('--key-password-file goes with --key');
  const version = flags.tlsVersion === undefined ? undefined : parseTlsVersion(flags.tlsVersion);
  const psk = buildPsk(flags, version);
  const ciphers = [flags.tls13Ciphers, flags.ciphers].filter((c): c is string => c !== undefined && c !== '').join(':');
  const cas = trustedCas(flags, files);
  return {
    psk,
    // PSK needs PSK cipher suites, which OpenSSL leaves out by default; at most TLS 1.2.
    ciphers: ciphers !== '' ? ciphers : psk !== undefined ? 'PSK:ECDHE-PSK:DHE-PSK:!aNULL' : undefined,
    passphrase: flags.keyPasswordFile === undefined ? undefined : files.readFile('--key-password-file', flags.keyPasswordFile).toString('utf8').replace(/\r?\n$/, ''),
    keylogFile: flags.tlsKeylog,
    ca: cas === undefined ? undefined : bundle(cas),
    cert: flags.cert === undefined ? undefined : files.readFile('--cert', flags.cert),
    key: flags.key === undefined ? undefined : files.readFile('--key', flags.key),
    rejectUnauthorized: flags.insecure !== true,
    minVersion: version,
    maxVersion: psk !== undefined ? 'TLSv1.2' : version,
    alpn: flags.alpn,
    servername: flags.servername,
  };
}
