/**
 * Option groups declared once and attached to every command that needs them.
 * Help text and shell completions are both generated from these declarations.
 */
import { Option, type Command, type OptionValues } from '@commander-js/extra-typings';
import { parseAddressList, parseInteger, parsePort, parseProtocolVersion, parseQos, parseSeconds, parseShard, parseWallClock } from './values.js';
import { UsageError } from '../errors.js';
import { parseCodec } from '../codecs/spec.js';

const GROUP_CONNECTION = 'Connection:';
const GROUP_TLS = 'TLS:';
const GROUP_WILL = 'Will:';
const GROUP_RECONNECT = 'Reconnection:';
export const GROUP_MESSAGE = 'Message:';
export const GROUP_OUTPUT = 'Output:';
const GROUP_FLEET = 'Fleets and shards:';

/** Options whose values are file paths: completions offer files for them. */
export const FILE_OPTIONS = new Set(['--cafile', '--capath', '--cert', '--key', '--key-password-file', '--tls-keylog', '--password-file', '--file', '--out', '--html', '--options-file']);

/**
 * The connection flags a profile can hold (the config file's keys, as flags), and `profile
 * save`'s own; `profile save` offers only these.
 */
export const PROFILE_FLAGS = new Set([
  '--host', '--port', '--url', '--id', '--id-prefix', '--username', '--password', '--password-file', '--keepalive', '--protocol-version',
  '--disable-clean-session', '--session-expiry', '--connect-timeout', '--cafile', '--cert', '--key', '--insecure', '--tls-version', '--alpn', '--servername',
  '--password-env', '--password-prompt', '--save-password', '--force',
]);

/** A flag that may be given once: a second -m would silently replace the first (mosquitto_pub refuses it too). */
function once(flag: string) {
  return (value: string, previous: string | undefined): string => {
    if (previous !== undefined) throw new UsageError(`${flag} given twice: give one message (several messages: -l, one per line of stdin)`);
    return value;
  };
}

function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

export function addConnectionOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('-h, --host <host>', 'broker host (default: localhost)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-p, --port <port>', 'broker port (default: 1883; 8883 mqtts, 80 ws, 443 wss)').argParser((v) => parsePort('-p', v)).helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--profile <name>', 'use a named profile from the config file (also MQTT_TOOL_PROFILE); flags override it').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-L, --url <url>', 'broker URL: mqtt[s]://[user[:pass]@]host[:port][/topic] or ws[s]://host[:port]/path (a password here is visible in ps, like -P)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-i, --id <id>', 'client identifier (default: mqtt-tool- and a random suffix)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-I, --id-prefix <prefix>', 'client identifier prefix; a random suffix is added').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-u, --username <name>', 'user name').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-P, --password <password>', 'password (visible in ps: prefer MQTT_TOOL_PASSWORD or --password-file)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--password-file <file>', 'read the password from a file (one trailing newline is ignored)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--password-prompt', 'ask for the password on the terminal (no echo) when none is given').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-k, --keepalive <seconds>', 'keepalive interval (default: 60)').argParser((v) => parseInteger('-k', v, 0, 65_535)).helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-V, --protocol-version <version>', 'MQTT version: 5, 311, 31 (or mqttv5, mqttv311, mqttv31) (default: 5)')
      .argParser((v) => parseProtocolVersion('-V', v)).helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-c, --disable-clean-session', 'keep the session on the broker after disconnect (needs -i)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-x, --session-expiry <seconds>', 'MQTT 5 session expiry interval; the first CONNECT starts clean unless -c, reconnects resume the session').argParser((v) => parseInteger('--session-expiry', v, 0, 0xffffffff)).helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--connect-timeout <seconds>', 'give up when no CONNACK arrives in time (default: 10)').argParser((v) => parseSeconds('--connect-timeout', v, 0.1)).helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--embedded', 'start the built-in broker on a free loopback port and use it').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-d, --debug', 'log every MQTT packet on stderr (passwords masked)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--no-color', 'no colours (NO_COLOR is honoured too)').helpGroup(GROUP_CONNECTION));
}

export function addTlsOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('--cafile <file>', "trust this CA bundle (PEM) instead of the default (Node's bundled Mozilla CA list, plus NODE_EXTRA_CA_CERTS); implies TLS").helpGroup(GROUP_TLS))
    .addOption(new Option('--capath <dir>', 'trust the CA certificates in this directory (.pem, .crt, OpenSSL hash names); with --cafile, both').helpGroup(GROUP_TLS))
    .addOption(new Option('--tls-use-os-certs', "trust the operating system's CA certificates (with --cafile/--capath, those too)").helpGroup(GROUP_TLS))
    .addOption(new Option('--cert <file>', 'client certificate (PEM); needs --key').helpGroup(GROUP_TLS))
    .addOption(new Option('--key <file>', 'client private key (PEM)').helpGroup(GROUP_TLS))
    .addOption(new Option('--insecure', 'do not verify the broker certificate or host name (prints a warning)').helpGroup(GROUP_TLS))
    .addOption(new Option('--tls-version <version>', 'TLS version to use').choices(['tlsv1.2', 'tlsv1.3']).helpGroup(GROUP_TLS))
    .addOption(new Option('--alpn <protocols>', 'ALPN protocols, comma-separated (e.g. mqtt)').argParser((v) => v.split(',').filter((p) => p !== '')).helpGroup(GROUP_TLS))
    .addOption(new Option('--servername <name>', 'TLS SNI name and the name the certificate must match (default: the host)').helpGroup(GROUP_TLS))
    .addOption(new Option('--key-password-file <file>', 'the passphrase of an encrypted --key, from a file').helpGroup(GROUP_TLS))
    .addOption(new Option('--ciphers <list>', 'TLS 1.2 cipher list, OpenSSL syntax (e.g. ECDHE-RSA-AES128-GCM-SHA256)').helpGroup(GROUP_TLS))
    .addOption(new Option('--tls13-ciphers <list>', 'TLS 1.3 cipher suites, colon-separated (e.g. TLS_AES_256_GCM_SHA384)').helpGroup(GROUP_TLS))
    .addOption(new Option('--tls-keylog <file>', 'append the TLS session secrets to this file (NSS key log format, for Wireshark)').helpGroup(GROUP_TLS))
    .addOption(new Option('--psk <hex>', 'TLS-PSK key in hexadecimal instead of certificates (TLS 1.2); needs --psk-identity').helpGroup(GROUP_TLS))
    .addOption(new Option('--psk-identity <identity>', 'TLS-PSK identity').helpGroup(GROUP_TLS));
}

export function addWillOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('--will-topic <topic>', 'topic of the last-will message').helpGroup(GROUP_WILL))
    .addOption(new Option('--will-payload <text>', 'payload of the last-will message').helpGroup(GROUP_WILL))
    .addOption(new Option('--will-qos <qos>', 'QoS of the last-will message').argParser((v) => parseQos('--will-qos', v)).helpGroup(GROUP_WILL))
    .addOption(new Option('--will-retain', 'retain the last-will message').helpGroup(GROUP_WILL))
    .addOption(new Option('--will-delay <seconds>', 'MQTT 5 will delay interval').argParser((v) => parseInteger('--will-delay', v, 0, 0xffffffff)).helpGroup(GROUP_WILL));
}

export function addReconnectOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('--no-reconnect', 'exit with code 4 when the connection is lost instead of reconnecting').helpGroup(GROUP_RECONNECT))
    .addOption(new Option('--reconnect-period <seconds>', 'first reconnect delay; doubles up to 30 s (default: 1)').argParser((v) =>
      parseSeconds('--reconnect-period', v, 0.1),
    ).helpGroup(GROUP_RECONNECT))
    .addOption(new Option('--max-reconnects <n>', 'give up after n failed attempts (default: never)').argParser((v) =>
      parseInteger('--max-reconnects', v, 0, Number.MAX_SAFE_INTEGER),
    ).helpGroup(GROUP_RECONNECT));
}

/** How the connection is made beyond host and port (pub, sub, rr, bench), as mosquitto's clients spell it. */
export function addSocketOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('--unix <path>', "connect to the broker's Unix domain socket instead of host and port (plain MQTT)").helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-A, --bind-address <address>', 'make the connection from this local address').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--nodelay', "accepted for mosquitto's clients' option files: mqtt-tool always disables Nagle's algorithm").helpGroup(GROUP_CONNECTION))
    .addOption(new Option('--proxy <url>', 'connect through a SOCKS5 proxy: socks5h://[user:pass@]host[:port] (the proxy resolves the broker name)').helpGroup(GROUP_CONNECTION))
    .addOption(new Option('-S, --srv', 'find the broker of the -h domain by DNS SRV (_mqtt._tcp, _secure-mqtt._tcp with TLS)').helpGroup(GROUP_CONNECTION));
}

/** -D COMMAND PROPERTY VALUE (pub, sub, rr): MQTT 5 properties of any packet the command sends, as mosquitto spells them. */
export function addPropertyOption<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd.addOption(
    new Option(
      '-D, --property <words...>',
      'MQTT 5 property: -D COMMAND PROPERTY VALUE, COMMAND connect, publish, subscribe, unsubscribe, disconnect or will; -D COMMAND user-property KEY VALUE (repeatable)',
    ).helpGroup(GROUP_CONNECTION),
  );
}

/**
 * -o FILE (pub, sub, rr): mosquitto-style default options, one flag per line. The file's options are
 * put in place of -o before parsing (cli.ts), so this declaration is for --help and the completions.
 */
export function addOptionsFileOption<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd.addOption(
    new Option('-o, --options-file <file>', 'read default options from a file, one flag per line as mosquitto_pub/sub read them; the command line overrides them').helpGroup(GROUP_CONNECTION),
  );
}

/** Where a message's payload comes from (pub, rr). `pub` adds -l, which only it has. */
export function addPayloadOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('-m, --message <text>', 'message payload').argParser(once('-m')).helpGroup(GROUP_MESSAGE))
    .addOption(new Option('-f, --file <file>', 'send the whole file as one message (binary safe)').argParser(once('-f')).helpGroup(GROUP_MESSAGE))
    .addOption(new Option('-s, --stdin-file', 'read stdin to the end and send it as one message').helpGroup(GROUP_MESSAGE))
    .addOption(new Option('-n, --null-message', 'send a zero-length message').helpGroup(GROUP_MESSAGE));
}

/** How received messages are printed (sub, rr). */
export function addMessageOutputOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('-F, --format <format>', 'raw, verbose, jsonl, hex, base64, or a template like "%t %p" (default: raw)').helpGroup(GROUP_OUTPUT))
    .addOption(new Option('-v, --verbose', 'print the topic before the payload (-F verbose)').helpGroup(GROUP_OUTPUT))
    .addOption(new Option('-N, --no-newline', 'do not end each message with a newline').helpGroup(GROUP_OUTPUT))
    .addOption(new Option('--pretty', 'indent JSON: JSON payloads (raw, -v, %p), -F jsonl and %J; the data keeps its shape').helpGroup(GROUP_OUTPUT))
    .addOption(decodeOption());
}

/** --decode, for the commands that show payloads. */
export function decodeOption() {
  return new Option('--decode <codec>', 'show payloads decoded: sparkplug, protobuf:FILE.proto:pkg.Message, cbor, msgpack, avro:FILE.avsc, json, or auto (Sparkplug B on spBv1.0/ topics only)')
    .argParser((v) => parseCodec(v, '--decode'))
    .helpGroup(GROUP_OUTPUT);
}

export { collect };

/** bench's device-fleet shapes and its spread over processes or machines. */
export function addFleetOptions<Args extends unknown[], Opts extends OptionValues>(cmd: Command<Args, Opts>) {
  return cmd
    .addOption(new Option('--publish-interval <ms>', 'each publisher sends one message every this many milliseconds, from a random start (a device fleet)').argParser((v) => parseInteger('--publish-interval', v, 1, 86_400_000)).helpGroup(GROUP_FLEET))
    .addOption(new Option('--topic-pattern <pattern>', "each publisher's topic: %i its number, %c its client id (default: PREFIX/RUN/qQOS/p%i)").helpGroup(GROUP_FLEET))
    .addOption(new Option('--subscribe-filter <filter>', 'what every subscriber subscribes to; $share/GROUP/... makes them one shared group (default: PREFIX/RUN/qQOS/#)').helpGroup(GROUP_FLEET))
    .addOption(new Option('--shard <i/n>', 'run share i (from 0) of a run spread over n processes or machines; client numbers are offset, so ids and topics never collide').argParser((v) => parseShard('--shard', v)).helpGroup(GROUP_FLEET))
    .addOption(new Option('--start-at <time>', 'start the first measured phase at this wall-clock time (ISO 8601 with zone, or epoch seconds), so shards start together').argParser((v) => parseWallClock('--start-at', v)).helpGroup(GROUP_FLEET))
    .addOption(new Option('--source-address <addresses>', "make the connections from these local addresses in turn (comma-separated): past one address pair's ephemeral ports").argParser((v) => parseAddressList('--source-address', v)).helpGroup(GROUP_FLEET));
}
