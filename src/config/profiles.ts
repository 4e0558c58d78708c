/**
 * Named connection profiles from a config file ($XDG_CONFIG_HOME/mqtt-tool/config.yaml,
 * .yml or .json). Parsing is pure; every error names the file, the line and the key.
 * Secrets are referenced (passwordEnv, passwordFile); a literal password is only
 * honoured from a file private to its owner.
 */
import { closest } from '../io/suggest.js';
import { LineCounter, parseDocument, isMap, isScalar, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { parseInteger, parsePort, parseProtocolVersion, parseSeconds } from '../cli/values.js';

export interface Profile {
  readonly name: string;
  /** Connection flags the profile sets; command-line flags override them. */
  readonly flags: ConnectionFlags;
  /** Name of the environment variable holding the password. */
  readonly passwordEnv: string | undefined;
  /**
   * A literal password in the file: none, kept (masked in `profile show`), or ignored because
   * other users can read the file.
   */
  readonly literalPassword: 'none' | 'kept' | 'ignored';
}

type KeyParser = (value: unknown, where: string) => Partial<ConnectionFlags> | { passwordEnv: string };

const str = (key: keyof ConnectionFlags): KeyParser => (v, where) => {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${where}: expected a non-empty string`);
  return { [key]: v };
};
const bool = (key: keyof ConnectionFlags): KeyParser => (v, where) => {
  if (typeof v !== 'boolean') throw new UsageError(`${where}: expected true or false`);
  return { [key]: v };
};
const num = (key: keyof ConnectionFlags, parse: (flag: string, s: string) => unknown): KeyParser => (v, where) => {
  if (typeof v !== 'number' && typeof v !== 'string') throw new UsageError(`${where}: expected a number`);
  return { [key]: parse(where, String(v)) };
};

const KEYS: Record<string, KeyParser> = {
  host: str('host'),
  port: num('port', parsePort),
  url: str('url'),
  id: str('id'),
  idPrefix: str('idPrefix'),
  username: str('username'),
  password: str('password'),
  passwordFile: str('passwordFile'),
  passwordEnv: (v, where) => {
    if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw new UsageError(`${where}: expected an environment variable name`);
    return { passwordEnv: v };
  },
  keepalive: num('keepalive', (f, s) => parseInteger(f, s, 0, 65_535)),
  protocolVersion: num('protocolVersion', parseProtocolVersion),
  disableCleanSession: bool('disableCleanSession'),
  sessionExpiry: num('sessionExpiry', (f, s) => parseInteger(f, s, 0, 0xffffffff)),
  connectTimeout: num('connectTimeout', (f, s) => parseSeconds(f, s, 0.1)),
  cafile: str('cafile'),
  cert: str('cert'),
  key: str('key'),
  insecure: bool('insecure'),
  tlsVersion: str('tlsVersion'),
  servername: str('servername'),
  alpn: (v, where) => {
    const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : undefined;
    if (list === undefined || !list.every((p) => typeof p === 'string' && p !== '')) throw new UsageError(`${where}: expected a list of protocol names`);
    return { alpn: list as string[] };
  },
};
export const PROFILE_KEYS = Object.keys(KEYS);

/** Parses a config file's text. `file` is only used in messages. */
export function parseProfiles(text: string, file: string): Map<string, Profile> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined): string => {
    const pos = lines.linePos(offset ?? 0);
    return `${file}:${pos.line}`;
  };
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    throw new UsageError(`${at(firstError.pos[0])}: malformed config: ${firstError.message.split('\n')[0]}`, { hint: 'Fix the YAML/JSON syntax at that line.' });
  }
  const root = doc.contents;
  if (root === null || root === undefined) return new Map();
  if (!isMap(root)) throw new UsageError(`${file}:1: the config must be a mapping with a 'profiles' key`);
  const profilesNode = root.get('profiles', true) as YAMLMap | undefined;
  for (const pair of root.items as Pair[]) {
    const k = isScalar(pair.key) ? String((pair.key as Scalar).value) : '?';
    if (k !== 'profiles') throw new UsageError(`${at((pair.key as Scalar | null)?.range?.[0])}: unknown key '${k}' (the config holds 'profiles')`);
  }
  if (profilesNode === undefined || profilesNode === null) return new Map();
  if (!isMap(profilesNode)) throw new UsageError(`${at((profilesNode as { range?: number[] }).range?.[0])}: 'profiles' must map names to settings`);
  const out = new Map<string, Profile>();
  for (const p of profilesNode.items as Pair[]) {
    const name = isScalar(p.key) ? String((p.key as Scalar).value) : '';
    const body = p.value;
    if (!isMap(body)) throw new UsageError(`${at((p.key as Scalar).range?.[0])}: profile '${name}' must map keys to values`);
    let flags: ConnectionFlags = {};
    let passwordEnv: string | undefined;
    let literalPassword: Profile['literalPassword'] = 'none';
    for (const item of (body as YAMLMap).items as Pair[]) {
      const keyNode = item.key as Scalar;
      const key = String(keyNode.value);
      const where = `${at(keyNode.range?.[0])}: profile '${name}', key '${key}'`;
      const parse = KEYS[key];
      if (parse === undefined) {
        const near = closest(key, PROFILE_KEYS);
        throw new UsageError(`${where}: unknown key${near === undefined ? '' : ` (did you mean ${near}?)`}`, { hint: `Known keys: ${PROFILE_KEYS.join(', ')}.` });
      }
      const value = isScalar(item.value) ? (item.value as Scalar).value : (item.value as { toJSON(): unknown } | null)?.toJSON();
      const parsed = parse(value, where);
      if ('passwordEnv' in parsed) passwordEnv = parsed.passwordEnv;
      else flags = { ...flags, ...parsed };
      if (key === 'password') literalPassword = 'kept';
    }
    out.set(name, { name, flags, passwordEnv, literalPassword });
  }
  return out;
}

/**
 * Profile values under command-line flags: a flag given on the command line wins.
 * A password from the profile's passwordEnv is read here.
 */
export function applyProfile(flags: ConnectionFlags, profile: Profile, env: Readonly<Record<string, string | undefined>>): ConnectionFlags {
  const merged: Record<string, unknown> = { ...profile.flags };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  const explicitPassword = flags.password !== undefined || flags.passwordFile !== undefined;
  if (!explicitPassword && profile.passwordEnv !== undefined) {
    const value = env[profile.passwordEnv];
    if (value === undefined) {
      throw new UsageError(`profile '${profile.name}' takes its password from $${profile.passwordEnv}, which is not set`, { hint: `export ${profile.passwordEnv}=…, or pass -P / --password-file.` });
    }
    merged['password'] = value;
  }
  // A URL on the command line replaces the profile's host and port as a whole.
  if (flags.url !== undefined) {
    if (flags.host === undefined) delete merged['host'];
    if (flags.port === undefined) delete merged['port'];
  }
  return merged as ConnectionFlags;
}

/** The profile for display: secrets masked. */
export function describeProfile(p: Profile): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...p.flags };
  if (p.literalPassword === 'kept') shown['password'] = '****';
  if (p.literalPassword === 'ignored') shown['password'] = '(ignored: the file is readable by other users; chmod 600 it)';
  if (p.passwordEnv !== undefined) shown['passwordEnv'] = p.passwordEnv;
  return shown;
}
