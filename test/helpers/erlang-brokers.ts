/**
 * RabbitMQ (with its MQTT plugin) and ejabberd (mod_mqtt), the Debian packages, each started
 * for one test file on free loopback ports with its configuration, data and logs in a temporary
 * folder, and an epmd of its own on a free port: nothing under /etc or /var is used or changed.
 * Both are stopped with their own control command, then by the PID we started.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';

const run = promisify(execFile);
const EJABBERDCTL = existsSync('/usr/sbin/ejabberdctl') ? '/usr/sbin/ejabberdctl' : 'ejabberdctl';

export interface ErlangBroker {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** An epmd of our own, so node names and the daemon never clash with a system one. */
async function startEpmd(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('epmd', ['-address', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  await waitForPort(port, 10_000);
  return { port, child };
}

/** Waits for a child we started to exit; SIGKILL after `ms`. */
function stopChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function exited(child: ChildProcess, what: string, output: () => string): Promise<never> {
  return new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${output().slice(-2000)}`))));
}

/** RabbitMQ 3.10 with rabbitmq_mqtt: anonymous MQTT maps to guest/guest; user `alice`/`secret` is added. */
export async function startRabbitMq(): Promise<ErlangBroker> {
  const dir = tempDir('mqtt-tool-rabbit-');
  const [mqttPort, amqpPort, distPort] = [await freePort(), await freePort(), await freePort()];
  const epmd = await startEpmd();
  const node = `rabbit${mqttPort}@localhost`;
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
      'mqtt.allow_anonymous = true',
      'mqtt.vhost = /',
      'mqtt.exchange = amq.topic',
      'loopback_users = none',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
  // The scripts under /usr/lib run as the calling user (the /usr/sbin wrappers switch to `rabbitmq`).
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmd.port),
  };
  let output = '';
  const child = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const ctl = (...args: string[]) => run('/usr/lib/rabbitmq/bin/rabbitmqctl', ['-n', node, ...args], { env, timeout: 30_000 });
  const stop = async (): Promise<void> => {
    await ctl('stop').catch(() => {});
    await stopChild(child, 15_000);
    await stopChild(epmd.child, 2_000);
  };
  try {
    await Promise.race([waitForPort(mqttPort, 90_000), exited(child, 'rabbitmq-server', () => output)]);
    await ctl('add_user', 'alice', 'secret');
    await ctl('set_permissions', '-p', '/', 'alice', '.*', '.*', '.*');
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: 'RabbitMQ 3.10', port: mqttPort, url: `mqtt://127.0.0.1:${mqttPort}`, stop };
}

export interface EjabberdOptions {
  /** mod_mqtt's per-session queue limit; ejabberd's default is 5000. */
  maxQueue?: number | 'unlimited';
}

/** ejabberd 23.01 with mod_mqtt: user `alice@localhost` / `secret` (MQTT user name `alice`); anonymous clients are refused. */
export async function startEjabberd(options: EjabberdOptions = {}): Promise<ErlangBroker> {
  const dir = tempDir('mqtt-tool-ejabberd-');
  const port = await freePort();
  const epmd = await startEpmd();
  const node = `ejabberd${port}@localhost`;
  for (const sub of ['spool', 'logs']) mkdirSync(join(dir, sub));
  writeFileSync(
    join(dir, 'ejabberd.yml'),
    [
      'hosts: [localhost]',
      'loglevel: warning',
      'listen:',
      `  - port: ${port}`,
      '    ip: "127.0.0.1"',
      '    module: mod_mqtt',
      'auth_method: internal',
      'modules:',
      options.maxQueue === undefined ? '  mod_mqtt: {}' : `  mod_mqtt:\n    max_queue: ${options.maxQueue}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'ejabberdctl.cfg'), `INET_DIST_INTERFACE=127.0.0.1\nERL_EPMD_ADDRESS=127.0.0.1\nERLANG_NODE=${node}\n`);
  writeFileSync(join(dir, 'inetrc'), '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n');
  // As root, ejabberdctl runs ejabberd as the `ejabberd` user: it must own its folders.
  if (userInfo().uid === 0) {
    const { uid, gid } = await run('id', ['-u', 'ejabberd']).then(async (u) => ({ uid: Number(u.stdout), gid: Number((await run('id', ['-g', 'ejabberd'])).stdout) }));
    chmodSync(dir, 0o755);
    for (const p of [dir, join(dir, 'spool'), join(dir, 'logs'), join(dir, 'ejabberd.yml'), join(dir, 'ejabberdctl.cfg'), join(dir, 'inetrc')]) chownSync(p, uid, gid);
  }
  const env = { ...process.env, ERL_EPMD_PORT: String(epmd.port) };
  const args = ['--config-dir', dir, '--config', join(dir, 'ejabberd.yml'), '--spool', join(dir, 'spool'), '--logs', join(dir, 'logs'), '--node', node];
  let output = '';
  const child = spawn(EJABBERDCTL, [...args, 'foreground'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const ctl = (...a: string[]) => run(EJABBERDCTL, [...args, ...a], { env, timeout: 30_000 });
  const stop = async (): Promise<void> => {
    await ctl('stop').catch(() => {});
    await stopChild(child, 15_000);
    await stopChild(epmd.child, 2_000);
  };
  try {
    await Promise.race([waitForPort(port, 60_000), exited(child, 'ejabberd', () => output)]);
    await ctl('register', 'alice', 'localhost', 'secret');
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: `ejabberd 23.01${options.maxQueue === undefined ? '' : ` (max_queue ${options.maxQueue})`}`, port, url: `mqtt://127.0.0.1:${port}`, stop };
}
