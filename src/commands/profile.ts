/** `mqtt-tool profile list|show|save`: the config file's connection profiles, secrets masked. */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { UsageError } from '../errors.js';
import { promptPassword } from '../io/prompt.js';
import { createTerminal } from '../io/terminal.js';
import { configCandidates, loadConfig } from '../config/load.js';
import { PROFILE_KEYS, describeProfile } from '../config/profiles.js';
import { configWithProfile, profileEntry } from '../config/save-profile.js';

export function runProfileList(flags: { names?: boolean; color: boolean }): void {
  const term = createTerminal(flags.color);
  const config = loadConfig(term);
  if (config === undefined) {
    if (flags.names !== true) process.stderr.write(`mqtt-tool: no config file (looked for ${configCandidates(process.env).join(', ')})\n`);
    return;
  }
  const names = [...config.profiles.keys()];
  if (flags.names === true) {
    process.stdout.write(names.map((n) => `${n}\n`).join(''));
    return;
  }
  process.stdout.write(`${config.file}\n`);
  for (const [name, p] of config.profiles) {
    const f = p.flags;
    const target = f.url ?? `${f.host ?? 'localhost'}${f.port === undefined ? '' : `:${f.port}`}`;
    process.stdout.write(`  ${name.padEnd(16)} ${target}${f.username === undefined ? '' : ` (user ${f.username})`}\n`);
  }
}

export function runProfileShow(name: string, flags: { color: boolean }): void {
  const term = createTerminal(flags.color);
  const config = loadConfig(term);
  if (config === undefined) throw new UsageError(`no config file (looked for ${configCandidates(process.env).join(', ')})`);
  const p = config.profiles.get(name);
  if (p === undefined) throw new UsageError(`unknown profile '${name}' in ${config.file}`, { hint: `Known profiles: ${[...config.profiles.keys()].join(', ') || 'none'}.` });
  process.stdout.write(`${JSON.stringify({ profile: name, file: config.file, settings: describeProfile(p) }, null, 2)}\n`);
}

export interface ProfileSaveFlags extends ConnectionFlags {
  savePassword?: boolean;
  passwordEnv?: string;
  passwordPrompt?: boolean;
  force?: boolean;
  color: boolean;
}

/**
 * `profile save NAME [connection flags]`: writes the flags given into the config file (made
 * private to its owner, written whole or not at all). `givenOnCommandLine` tells a flag typed
 * from a default.
 */
export async function runProfileSave(name: string, flags: ProfileSaveFlags, givenOnCommandLine: (key: string) => boolean): Promise<void> {
  const term = createTerminal(flags.color);
  const refused = Object.keys(flags).filter((k) => givenOnCommandLine(k) && !SAVE_FLAGS.has(k) && !PROFILE_KEYS.includes(k));
  if (refused.length > 0) {
    throw new UsageError(`${refused.map(flagName).join(', ')} cannot be saved in a profile: a profile holds where and how to connect`, {
      hint: '`mqtt-tool profile save --help` lists the flags a profile holds; give the others on each command.',
    });
  }
  for (const [flag, path] of [['--password-file', flags.passwordFile], ['--cafile', flags.cafile], ['--cert', flags.cert], ['--key', flags.key]] as const) {
    if (path !== undefined && !existsSync(path)) throw new UsageError(`${flag} '${path}': no such file`, { hint: 'A profile keeps the file name, not the file: name a file that exists.' });
  }
  const password = flags.password ?? (flags.passwordPrompt === true && flags.savePassword === true ? await promptPassword(`password for ${flags.username ?? 'the profile'}: `) : undefined);
  const { entry, passwordLeftOut } = profileEntry(
    { ...flags, ...(password === undefined ? {} : { password }) },
    { savePassword: flags.savePassword === true, passwordEnv: flags.passwordEnv, absolute: (p) => resolve(p) },
  );
  const existing = configCandidates(process.env).find((f) => existsSync(f));
  const file = existing ?? (configCandidates(process.env)[0] as string);
  const before = existing === undefined ? undefined : readFileSync(file, 'utf8');
  const text = configWithProfile(before, file, name, entry, flags.force === true);
  const wasShared = existing !== undefined && (statSync(file).mode & 0o077) !== 0;
  writePrivately(file, text);
  term.notice(`saved profile '${name}' (${Object.keys(entry).join(', ')}) to ${file}; use it with --profile ${name}`);
  if (wasShared) term.notice(`${file} is now private to you (mode 600): it was readable by other users`);
  if (passwordLeftOut) {
    term.notice('the password was not saved: give it on each run (-P, --password-file, MQTT_TOOL_PASSWORD), save its variable with --password-env VAR, or save it with --save-password');
  }
}

/** Flags of `profile save` itself, and the ones that change no connection setting. */
const SAVE_FLAGS = new Set(['savePassword', 'passwordEnv', 'passwordPrompt', 'force', 'color', 'debug']);

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The whole file or nothing: a temporary file of mode 600 beside it, renamed over it. */
function writePrivately(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`cannot write the config file '${file}': ${code}`, { hint: 'Check that its folder is writable, or name another file with MQTT_TOOL_CONFIG.' });
  }
}
