/** `mqtt-tool profile list|show`: the config file's connection profiles, secrets masked. */
import { UsageError } from '../errors.js';
import { createTerminal } from '../io/terminal.js';
import { configCandidates, loadConfig } from '../config/load.js';
import { describeProfile } from '../config/profiles.js';

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
