/** Finds, reads and applies the config file's profile: the I/O edge of profiles.ts. */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import type { Terminal } from '../io/terminal.js';
import { applyProfile, parseProfiles, type Profile } from './profiles.js';

export function configCandidates(env: Readonly<Record<string, string | undefined>>): string[] {
  if (env['MQTT_TOOL_CONFIG'] !== undefined && env['MQTT_TOOL_CONFIG'] !== '') return [env['MQTT_TOOL_CONFIG']];
  const base = env['XDG_CONFIG_HOME'] !== undefined && env['XDG_CONFIG_HOME'] !== '' ? env['XDG_CONFIG_HOME'] : join(homedir(), '.config');
  return ['config.yaml', 'config.yml', 'config.json'].map((f) => join(base, 'mqtt-tool', f));
}

export interface LoadedConfig {
  file: string;
  profiles: Map<string, Profile>;
}

/** The config file's profiles, or undefined when there is no config file. */
export function loadConfig(term: Terminal | undefined, env = process.env): LoadedConfig | undefined {
  for (const file of configCandidates(env)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw new UsageError(`cannot read config file '${file}': ${code ?? String(err)}`);
    }
    const profiles = parseProfiles(text, file);
    const shared = (statSync(file).mode & 0o077) !== 0;
    if (shared) {
      for (const [name, p] of profiles) {
        if (p.literalPassword === 'kept') {
          term?.warn(`${file} holds a literal password for profile '${name}' but is readable by other users: the password is ignored; run: chmod 600 '${file}' (or use passwordEnv / passwordFile)`);
          const { password: _dropped, ...rest } = p.flags;
          profiles.set(name, { ...p, flags: rest, literalPassword: 'ignored' });
        }
      }
    }
    return { file, profiles };
  }
  return undefined;
}

/** Applies --profile / MQTT_TOOL_PROFILE to the command-line flags. */
export function withProfile<F extends ConnectionFlags & { profile?: string }>(flags: F, term: Terminal, env = process.env): F {
  const name = flags.profile ?? (env['MQTT_TOOL_PROFILE'] === '' ? undefined : env['MQTT_TOOL_PROFILE']);
  if (name === undefined) return flags;
  const config = loadConfig(term, env);
  if (config === undefined) {
    throw new UsageError(`profile '${name}' asked for, but there is no config file (looked for ${configCandidates(env).join(', ')})`, {
      hint: 'Create one with a profiles: section; see docs/connecting.md, "Profiles".',
    });
  }
  const profile = config.profiles.get(name);
  if (profile === undefined) {
    const known = [...config.profiles.keys()];
    throw new UsageError(`unknown profile '${name}' in ${config.file}`, { hint: known.length > 0 ? `Known profiles: ${known.join(', ')}.` : 'The file defines no profiles.' });
  }
  return { ...flags, ...applyProfile(flags, profile, env) };
}
