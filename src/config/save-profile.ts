/**
 * `profile save`: the connection flags a person gave, as a profile entry, written into the
 * config file's text (YAML keeps its comments and order; JSON stays JSON). A literal password
 * goes in only when asked; an existing profile is replaced only when asked. Pure: the file is
 * read and written by the command.
 */
import { parseDocument, isMap } from 'yaml';
import { UsageError } from '../errors.js';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { PROFILE_KEYS, parseProfiles } from './profiles.js';

export interface SaveChoices {
  /** Write -P's password into the file (which is then private to its owner). */
  readonly savePassword: boolean;
  /** An environment variable to read the password from, saved instead of the password. */
  readonly passwordEnv: string | undefined;
  /** Makes a relative file name absolute, so the profile works from any folder. */
  readonly absolute: (path: string) => string;
}

export interface ProfileEntry {
  readonly entry: Readonly<Record<string, unknown>>;
  /** A password was given but not written (no --save-password). */
  readonly passwordLeftOut: boolean;
}

const PATH_KEYS = new Set(['passwordFile', 'cafile', 'cert', 'key']);
const VERSION_NAMES: Record<number, number> = { 5: 5, 4: 311, 3: 31 };

/** The profile entry for the saveable flags that were given, keys in the order of the known keys. */
export function profileEntry(given: ConnectionFlags, choices: SaveChoices): ProfileEntry {
  const entry: Record<string, unknown> = {};
  let passwordLeftOut = false;
  for (const key of PROFILE_KEYS) {
    const value: unknown = key === 'passwordEnv' ? choices.passwordEnv : (given as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (key === 'password' && !choices.savePassword) {
      passwordLeftOut = true;
      continue;
    }
    entry[key] = PATH_KEYS.has(key) ? choices.absolute(String(value)) : key === 'protocolVersion' ? VERSION_NAMES[value as number] : value;
  }
  if (choices.savePassword && given.password === undefined) {
    throw new UsageError('--save-password without a password to save', { hint: 'Give it with -P (it is written to the config file, which is made private to you).' });
  }
  if (choices.passwordEnv !== undefined && (given.password !== undefined || given.passwordFile !== undefined)) {
    throw new UsageError('--password-env with a password given: the profile takes its password from one place', { hint: 'Keep --password-env (the password stays out of the file), or drop it.' });
  }
  if (Object.keys(entry).length === 0) {
    throw new UsageError('nothing to save: give the connection flags the profile should hold', { hint: 'e.g. mqtt-tool profile save lab -h 10.0.0.5 -p 1884 -u alice' });
  }
  return { entry, passwordLeftOut };
}

export type ConfigFormat = 'yaml' | 'json';

export function configFormat(file: string): ConfigFormat {
  return file.endsWith('.json') ? 'json' : 'yaml';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The config text with the profile added or replaced. `text` undefined: no file yet. The
 * existing text must parse as a config (a broken file is never overwritten), and the result
 * is parsed back before it is returned.
 */
export function configWithProfile(text: string | undefined, file: string, name: string, entry: Readonly<Record<string, unknown>>, force: boolean): string {
  if (!NAME.test(name)) throw new UsageError(`invalid profile name '${name}': use letters, digits, '.', '_' and '-'`);
  const existing = text === undefined ? new Map() : parseProfiles(text, file);
  if (existing.has(name) && !force) {
    throw new UsageError(`profile '${name}' already exists in ${file}`, { hint: 'Pass --force to replace it, or choose another name.' });
  }
  const out = configFormat(file) === 'json' ? withJsonProfile(text, name, entry) : withYamlProfile(text, name, entry);
  parseProfiles(out, file);
  return out;
}

function withJsonProfile(text: string | undefined, name: string, entry: Readonly<Record<string, unknown>>): string {
  const root = (text === undefined || text.trim() === '' ? {} : JSON.parse(text)) as { profiles?: Record<string, unknown> };
  root.profiles = { ...(root.profiles ?? {}), [name]: entry };
  return `${JSON.stringify(root, null, 2)}\n`;
}

function withYamlProfile(text: string | undefined, name: string, entry: Readonly<Record<string, unknown>>): string {
  const doc = parseDocument(text ?? '');
  if (doc.contents === null || !isMap(doc.get('profiles', true))) doc.set('profiles', doc.createNode({}));
  doc.setIn(['profiles', name], doc.createNode(entry));
  return doc.toString();
}
