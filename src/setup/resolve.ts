/**
 * The edge between flags and a ready ConnectionSpec: reads the files flags name,
 * starts the embedded broker when asked, and prints the warnings a user must see.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import { loadBundle } from '../lazy.js';
import { UsageError } from '../errors.js';
import { readUserFile } from '../io/files.js';
import { osCaCertificates, readCaDirectory } from './ca-files.js';
import type { Terminal } from '../io/terminal.js';
import { buildConnectionSpec } from './build-spec.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { loadSocksTransport, loadWebSocketLibrary, type SocksTransport, type WebSocketLibrary } from '../connection/transport/load.js';
import { lookupBroker } from './srv.js';

export interface ResolvedConnection {
  readonly spec: ConnectionSpec;
  /** The WebSocket library when the spec is ws:// or wss://; pass it on to connect(). */
  readonly webSocket: WebSocketLibrary | undefined;
  /** The SOCKS5 tunnel for --proxy; pass it on to connect(). */
  readonly socks: SocksTransport | undefined;
  /** Stops the embedded broker, if one was started. */
  release(): Promise<void>;
}

function warnIfReadableByOthers(term: Terminal, flag: string, path: string): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) {
      term.warn(`${flag} '${path}' is readable by other users; run: chmod 600 '${path}'`);
    }
  } catch {
    // Unreadable files were already reported by readUserFile.
  }
}

/** A key that does not belong to its certificate fails every handshake; say so before connecting. */
function checkKeyMatchesCert(certPem: Buffer, keyPem: Buffer, passphrase: string | undefined): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new UsageError('--cert is not a PEM certificate', { hint: 'Pass the client certificate in PEM form (-----BEGIN CERTIFICATE-----).' });
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(passphrase === undefined ? keyPem : { key: keyPem, passphrase });
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(keyPem.toString('latin1')) || /passphrase|bad decrypt/i.test((err as Error).message);
    if (encrypted && passphrase === undefined) throw new UsageError('--key is encrypted: give its passphrase with --key-password-file FILE');
    if (encrypted) throw new UsageError('--key could not be decrypted with the passphrase of --key-password-file: wrong passphrase');
    throw new UsageError('--key is not a readable PEM private key', { hint: 'Pass the private key in PEM form (-----BEGIN PRIVATE KEY-----).' });
  }
  if (!cert.checkPrivateKey(key)) {
    throw new UsageError('--key does not match --cert: the private key belongs to another certificate', { hint: 'Pass the key that was generated with this certificate.' });
  }
}

export interface ResolveOptions {
  readonly longRunning: boolean;
  readonly embedded: boolean;
}

export async function resolveConnection(
  given: ConnectionFlags & { profile?: string; passwordPrompt?: boolean },
  term: Terminal,
  options: ResolveOptions,
): Promise<ResolvedConnection> {
  // The config parser (yaml) loads only when a profile is asked for: one-shot start-up matters.
  const wantsProfile = given.profile !== undefined || (process.env['MQTT_TOOL_PROFILE'] ?? '') !== '';
  let flags = wantsProfile ? loadBundle<typeof import('../config/load.js')>('config').withProfile(given, term) : given;
  if (given.passwordPrompt === true && flags.password === undefined && flags.passwordFile === undefined && (process.env['MQTT_TOOL_PASSWORD'] ?? '') === '') {
    if (flags.username === undefined) throw new UsageError('--password-prompt needs -u (a user name to prompt for)');
    const { promptPassword } = loadBundle<typeof import('../io/prompt.js')>('prompt');
    flags = { ...flags, password: await promptPassword(`password for ${flags.username}: `) };
  }
  let spec = buildConnectionSpec(flags, {
    env: process.env,
    readFile: readUserFile,
    readCaDirectory,
    osCaCertificates,
    randomId: () => randomBytes(6).toString('hex'),
    longRunning: options.longRunning,
  });
  if (flags.srv === true) {
    if (flags.host === undefined && flags.url === undefined) throw new UsageError('-S looks up the broker of a domain: give it with -h DOMAIN');
    if (flags.port !== undefined) throw new UsageError('-S takes the port from the SRV record: drop -p');
    const found = await lookupBroker(spec.host, spec.tls !== undefined, process.env['MQTT_TOOL_DNS_SERVER'], spec.connectTimeoutMs);
    // As mosquitto does, the connection (and TLS's name check) goes to the record's target host.
    spec = { ...spec, host: found.host, port: found.port };
  }
  if (flags.key !== undefined) warnIfReadableByOthers(term, '--key', flags.key);
  if (spec.tls?.cert !== undefined && spec.tls.key !== undefined) checkKeyMatchesCert(spec.tls.cert, spec.tls.key, spec.tls.passphrase);
  if (flags.passwordFile !== undefined) warnIfReadableByOthers(term, '--password-file', flags.passwordFile);
  if (flags.keyPasswordFile !== undefined) warnIfReadableByOthers(term, '--key-password-file', flags.keyPasswordFile);
  const keylog = spec.tls?.keylogFile;
  if (keylog !== undefined) {
    try {
      closeSync(openSync(keylog, 'a', 0o600));
    } catch (err) {
      throw new UsageError(`cannot write --tls-keylog '${keylog}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    term.notice(`--tls-keylog: TLS session secrets go to ${keylog}; anyone who can read it can decrypt this traffic`);
  }
  if (spec.tls !== undefined && !spec.tls.rejectUnauthorized) {
    term.warn('--insecure: the broker certificate and host name are NOT verified; anyone in the path can read and change this traffic');
  }
  if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0' && spec.tls !== undefined) {
    term.warn('NODE_TLS_REJECT_UNAUTHORIZED=0 is set; mqtt-tool still verifies certificates unless --insecure is given');
  }
  if (!options.embedded) return { spec, webSocket: loadWebSocketLibrary(spec), socks: loadSocksTransport(spec), release: async () => {} };

  if (flags.host !== undefined || flags.port !== undefined || flags.url !== undefined || flags.unix !== undefined) {
    throw new UsageError('--embedded runs its own broker: drop -h, -p, -L and --unix');
  }
  if (spec.tls !== undefined) throw new UsageError('--embedded listens on plain TCP only: drop the TLS flags');
  const { loadEmbeddedBroker } = await import('../broker/load.js');
  const { startEmbeddedBroker } = await loadEmbeddedBroker();
  const broker = await startEmbeddedBroker();
  spec = { ...spec, host: broker.host, port: broker.port, transport: 'mqtt' };
  return { spec, webSocket: undefined, socks: undefined, release: () => broker.close() };
}
