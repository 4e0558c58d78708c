/** Completion scripts: generated from the command declarations, committed, and exercised in the real shells. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

const DIR = fileURLToPath(new URL('../../completions/', import.meta.url));
const FILES = { bash: 'mqtt-tool.bash', zsh: '_mqtt-tool', fish: 'mqtt-tool.fish' } as const;

test.each(Object.entries(FILES))('the committed %s script is what the generator prints (run `npm run completions`)', async (shell, file) => {
  const r = await runCli(['completion', shell]);
  expect(r.code).toBe(0);
  expect(readFileSync(join(DIR, file), 'utf8')).toBe(r.stdout);
});

test('an unknown shell is a usage error', async () => {
  expect((await runCli(['completion', 'tcsh'])).code).toBe(2);
});

/** A PATH with `mqtt-tool` on it and a config file with two profiles, for the completions that run `mqtt-tool profile list --names`. */
function profileEnv(): NodeJS.ProcessEnv {
  const dir = tempDir('mqtt-tool-compl-bin-');
  writeFileSync(join(dir, 'mqtt-tool'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(dir, 'mqtt-tool'), 0o755);
  mkdirSync(join(dir, 'xdg', 'mqtt-tool'), { recursive: true });
  writeFileSync(join(dir, 'xdg', 'mqtt-tool', 'config.yaml'), 'profiles:\n  plant:\n    host: 127.0.0.1\n  prod:\n    host: 127.0.0.1\n', { mode: 0o600 });
  return { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}`, XDG_CONFIG_HOME: join(dir, 'xdg') };
}

function bashComplete(words: string[], cwd?: string, env?: NodeJS.ProcessEnv): string[] {
  const script = `source ${join(DIR, FILES.bash)}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mqtt_tool; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd, env }).split('\n').filter((l) => l !== '');
}

describe('bash', () => {
  test('subcommands', () => {
    expect(bashComplete(['mqtt-tool', ''])).toEqual(expect.arrayContaining(['pub', 'sub', 'rr', 'bench', 'diagnose', 'tls-check', 'broker', 'completion']));
  });
  test('every flag of a subcommand', () => {
    expect(bashComplete(['mqtt-tool', 'pub', '--q'])).toEqual(['--qos']);
    expect(bashComplete(['mqtt-tool', 'sub', '--retain'])).toEqual(expect.arrayContaining(['--retained-only', '--retain-as-published', '--retain-handling']));
  });
  test('enumerated values', () => {
    expect(bashComplete(['mqtt-tool', 'pub', '-q', ''])).toEqual(['0', '1', '2']);
    expect(bashComplete(['mqtt-tool', 'sub', '-V', 'mqtt'])).toEqual(['mqttv5', 'mqttv311', 'mqttv31']);
    expect(bashComplete(['mqtt-tool', 'sub', '-F', 'j'])).toEqual(['jsonl']);
    expect(bashComplete(['mqtt-tool', 'sub', '--retain-handling', ''])).toEqual(['0', '1', '2']);
    expect(bashComplete(['mqtt-tool', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh', 'fish']));
  });
  test('file paths for file flags', () => {
    const dir = tempDir('mqtt-tool-compl-');
    writeFileSync(join(dir, 'ca-bundle.pem'), '');
    expect(bashComplete(['mqtt-tool', 'pub', '--cafile', 'ca-'], dir)).toEqual(['ca-bundle.pem']);
    expect(bashComplete(['mqtt-tool', 'pub', '-f', 'ca'], dir)).toEqual(['ca-bundle.pem']);
  });
  test('nested: bench merge', () => {
    expect(bashComplete(['mqtt-tool', 'bench', 'me'])).toEqual(['merge']);
  });
  test('help and the command names after it', () => {
    expect(bashComplete(['mqtt-tool', 'he'])).toEqual(['help']);
    expect(bashComplete(['mqtt-tool', 'help', 'p'])).toEqual(['pub', 'profile']);
  });
  test('profile names after --profile and after profile show', () => {
    const env = profileEnv();
    expect(bashComplete(['mqtt-tool', 'pub', '--profile', 'p'], undefined, env)).toEqual(['plant', 'prod']);
    expect(bashComplete(['mqtt-tool', 'profile', 'show', 'pr'], undefined, env)).toEqual(['prod']);
  });
});

describe('zsh', () => {
  test('the script parses', () => {
    execFileSync('zsh', ['-n', join(DIR, FILES.zsh)]);
  });
  test('offers the subcommands and each subcommand its flag specs', () => {
    const script = `
      _describe() { print -l -- "\${(@P)2}" }
      _arguments() { print -l -- "$@" }
      source ${join(DIR, FILES.zsh)} >/dev/null 2>&1 || true
      words=(mqtt-tool ''); CURRENT=2; _mqtt_tool
      words=(mqtt-tool pub -q ''); CURRENT=4; _mqtt_tool`;
    const out = execFileSync('zsh', ['-c', script], { encoding: 'utf8' });
    expect(out).toMatch(/^pub:publish messages/m);
    expect(out).toContain('-q[quality of service 0, 1 or 2 (default: 0)]:value:(0 1 2)');
    // Descriptions keep their apostrophes and colons (zsh quoting, not deletion).
    expect(out).toContain("--cafile[trust this CA bundle (PEM) instead of the default (Node's bundled Mozilla CA list, plus NODE_EXTRA_CA_CERTS); implies TLS]:file:_files");
    expect(out).toMatch(/^tls-check:inspect a broker's TLS endpoint: chain, expiry, host name, versions, client certificates$/m);
  });
  test('profile show completes the profile names', () => {
    const script = `
      compadd() { shift; print -l -- "$@" }
      _arguments() { print -l -- "$@" }
      source ${join(DIR, FILES.zsh)} >/dev/null 2>&1 || true
      words=(mqtt-tool profile show ''); CURRENT=4; _mqtt_tool`;
    const out = execFileSync('zsh', ['-c', script], { encoding: 'utf8', env: profileEnv() });
    expect(out.split('\n')).toEqual(expect.arrayContaining(['plant', 'prod']));
  });
});

describe('fish', () => {
  test('the script parses', () => {
    execFileSync('fish', ['-n', join(DIR, FILES.fish)]);
  });
  test.each([
    ['mqtt-tool pub --q', '--qos'],
    ['mqtt-tool pub -q ', '0'],
    ['mqtt-tool ', 'tls-check'],
    ['mqtt-tool sub -F ', 'jsonl'],
    ['mqtt-tool help ', 'diagnose'],
    ['mqtt-tool profile show ', 'plant'],
  ])('complete -C %j offers %s', (line, expected) => {
    const out = execFileSync('fish', ['-c', `source ${join(DIR, FILES.fish)}; complete -C '${line}'`], { encoding: 'utf8', env: profileEnv() });
    expect(out.split('\n').map((l) => l.split('\t')[0])).toContain(expected);
  });
});
