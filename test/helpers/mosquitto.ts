/**
 * Starts a real Mosquitto on a free loopback port with a config written to a
 * temp folder (anonymous, password file, ACL, TLS listener variants), and
 * stops it by PID. Mosquitto must be installed: its absence fails the tests
 * instead of skipping them, so CI can never go green without a real broker.
 * Clients reach its main listener through a checking proxy (checking-proxy.ts)
 * that holds every packet they send to the MQTT client rules.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckingProxy } from './checking-proxy.js';
import { freePort, waitForPort } from './ports.js';

export interface MosquittoOptions {
  /** user -> password; turns anonymous access off. */
  users?: Record<string, string>;
  /** ACL file body (mosquitto syntax). */
  acl?: string;
  /** A TLS listener (replaces the plain one). */
  tls?: { cert: string; key: string; ca?: string; requireCertificate?: boolean; tlsVersion?: string };
  /** Extra lines for the listener / global config. */
  extra?: string[];
  /** Reuse a port (restart on the same port). */
  port?: number;
  persistenceDir?: string;
  /**
   * No checking proxy in front: clients reach Mosquitto itself. Only for a test that measures the
   * broker's own process (bench finds it by its listening socket; a proxy would stand in for it).
   */
  direct?: boolean;
}

export interface Mosquitto {
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  stop(): Promise<void>;
  /** Stop and start again on the same port with the same config. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: a dead peer with the socket still open. */
  pause(): void;
  resume(): void;
  log(): string;
}

export function mosquittoBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v mosquitto || ls /usr/sbin/mosquitto'], { encoding: 'utf8' }).trim().split('\n')[0] as string;
  } catch {
    throw new Error('mosquitto is not installed: apt-get install -y mosquitto (the real-broker tests never skip)');
  }
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const bin = mosquittoBinary();
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-tool-mosq-'));
  chmodSync(dir, 0o755);
  // Clients reach a plain listener through a checking proxy on `port`, Mosquitto itself listening on
  // `hidden`; a TLS listener cannot be read in between, so clients reach it directly.
  const proxied = options.tls === undefined && options.direct !== true;
  const hidden = proxied ? await freePort() : (options.port ?? (await freePort()));
  const proxy = proxied ? await startCheckingProxy(hidden, options.port) : undefined;
  const port = proxy?.port ?? hidden;
  const lines = ['user root', `listener ${hidden} 127.0.0.1`, 'max_queued_messages 0', 'log_type error', 'log_type warning'];
  if (options.users !== undefined) {
    const pw = join(dir, 'passwd');
    writeFileSync(pw, '');
    for (const [user, pass] of Object.entries(options.users)) {
      execFileSync('mosquitto_passwd', ['-b', pw, user, pass]);
    }
    lines.push('allow_anonymous false', `password_file ${pw}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (options.acl !== undefined) {
    const acl = join(dir, 'acl');
    writeFileSync(acl, options.acl);
    lines.push(`acl_file ${acl}`);
  }
  if (options.tls !== undefined) {
    lines.push(`certfile ${options.tls.cert}`, `keyfile ${options.tls.key}`);
    if (options.tls.ca !== undefined) lines.push(`cafile ${options.tls.ca}`);
    if (options.tls.requireCertificate === true) lines.push('require_certificate true');
    if (options.tls.tlsVersion !== undefined) lines.push(`tls_version ${options.tls.tlsVersion}`);
  }
  if (options.persistenceDir !== undefined) {
    lines.push('persistence true', `persistence_location ${options.persistenceDir}/`, 'autosave_interval 1');
  }
  lines.push(...(options.extra ?? []));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);

  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    const c = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      c.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${output}`))),
    );
    exited.catch(() => {});
    await Promise.race([waitForPort(hidden, 5_000), exited]);
    await proxy?.resume();
  };
  const stop = async (): Promise<void> => {
    await proxy?.pause();
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 3_000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      c.kill('SIGCONT');
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    port,
    dir,
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await stop();
      await proxy?.close();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await start();
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    log: () => output,
  };
}
