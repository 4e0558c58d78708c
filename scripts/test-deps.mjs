// The test suite runs against real brokers and real shells. This checks that the system
// packages it needs are installed; as root with apt-get it installs what is missing (after
// apt-get update), otherwise it stops at once with the one command that would.
import { execFileSync, spawnSync } from 'node:child_process';

/** The command each package provides, as `command -v` or a fixed path finds it. */
const NEEDS = [
  { pkg: 'mosquitto', probe: 'command -v mosquitto || test -x /usr/sbin/mosquitto' },
  { pkg: 'mosquitto-clients', probe: 'command -v mosquitto_pub && command -v mosquitto_sub' },
  { pkg: 'zsh', probe: 'command -v zsh' },
  { pkg: 'fish', probe: 'command -v fish' },
  { pkg: 'bsdutils', probe: 'command -v script' },
  { pkg: 'coreutils', probe: 'command -v stdbuf' },
  // The interop suite: RabbitMQ's MQTT plugin and ejabberd's mod_mqtt (both bring Erlang and epmd).
  { pkg: 'rabbitmq-server', probe: 'test -x /usr/lib/rabbitmq/bin/rabbitmq-server' },
  { pkg: 'ejabberd', probe: 'command -v ejabberdctl || test -x /usr/sbin/ejabberdctl' },
  // TLS tests: the system CA bundle (--tls-use-os-certs) and openssl (an encrypted client key).
  { pkg: 'ca-certificates', probe: 'test -s /etc/ssl/certs/ca-certificates.crt' },
  { pkg: 'openssl', probe: 'command -v openssl' },
  // --proxy is tested through a real SOCKS5 server.
  { pkg: 'dante-server', probe: 'test -x /usr/sbin/danted' },
  // bench --html is checked the way a person looks at it: in headless Chromium.
  { pkg: 'chromium', probe: 'test -x /usr/bin/chromium' },
  // bench --metrics-port across shards is checked by a real Prometheus server, and the scrape configuration by promtool.
  { pkg: 'prometheus', probe: 'command -v prometheus && command -v promtool' },
];

const missing = NEEDS.filter(({ probe }) => spawnSync('sh', ['-c', probe], { stdio: 'ignore' }).status !== 0).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const install = `apt-get install -y ${missing.join(' ')}`;
const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!canInstall) {
  process.stderr.write(`test-deps: the tests need ${missing.join(', ')}; install them with: sudo apt-get update && sudo ${install}\n`);
  process.exit(1);
}
process.stderr.write(`test-deps: installing ${missing.join(', ')} (apt-get)\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch {
  process.stderr.write(`test-deps: apt-get failed; run it by hand: apt-get update && ${install}\n`);
  process.exit(1);
}
const still = NEEDS.filter(({ pkg, probe }) => missing.includes(pkg) && spawnSync('sh', ['-c', probe], { stdio: 'ignore' }).status !== 0);
if (still.length > 0) {
  process.stderr.write(`test-deps: still missing after apt-get: ${still.map((n) => n.pkg).join(', ')}\n`);
  process.exit(1);
}
