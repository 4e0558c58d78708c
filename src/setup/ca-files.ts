/** The file side of --capath and --tls-use-os-certs. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { UsageError } from '../errors.js';
import { readUserFile } from '../io/files.js';

/** Certificates in a CA directory: *.pem, *.crt, and OpenSSL's hash names (1a2b3c4d.0), as `c_rehash` leaves them. */
export function readCaDirectory(flag: string, dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot read ${flag} '${dir}': ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : code} (${code})`);
  }
  return names
    .filter((n) => /\.(pem|crt)$/i.test(n) || /^[0-9a-f]{8}\.\d+$/.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile())
    .map((p) => readUserFile(flag, p))
    .filter((b) => b.includes('-----BEGIN CERTIFICATE-----'));
}

/** Where Linux distributions and the BSDs keep the system's CA bundle. */
const OS_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem', '/usr/local/share/certs/ca-root-nss.crt'];

/** The operating system's CAs: Node's own reading of the system store where it has one (Node 22+), else the distribution's bundle file. */
export function osCaCertificates(): string[] {
  const fromNode = (tls as unknown as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
  if (fromNode !== undefined) return fromNode('system');
  for (const file of OS_BUNDLES) {
    try {
      const text = readFileSync(file, 'utf8');
      const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (certs !== null) return certs;
    } catch {
      // Not this distribution's path: try the next.
    }
  }
  return [];
}
