/**
 * Man pages generated from the command declarations (the completion model): one for mqtt-tool and
 * one per command (mqtt-tool-pub(1), mqtt-tool-bench-compare(1), ...), each with its synopsis,
 * description, every flag under its help group, the examples of its --help, the exit codes, the
 * environment and the files. Pure: the model in, roff text out.
 */
import type { CommandModel, OptionModel } from './model.js';
import { foldExample } from '../io/width.js';

export interface ManExtras {
  readonly version: string;
  /** Example command lines, as --help shows them. */
  readonly examples: readonly string[];
  readonly exitCodes: ReadonlyArray<{ readonly code: number; readonly meaning: string }>;
  /** Every page's name, for SEE ALSO. */
  readonly allPages: readonly string[];
}

/** Text for roff: backslashes and hyphens escaped, a leading dot or quote defused. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

/** "mqtt-tool-bench-compare" for the path ['bench', 'compare']. */
export const pageName = (path: readonly string[]): string => ['mqtt-tool', ...path].join('-');

const ENVIRONMENT: Array<[string, string]> = [
  ['MQTT_TOOL_PASSWORD', 'the password, instead of -P (which other users can see in the process list)'],
  ['MQTT_TOOL_PROFILE', 'the profile applied when --profile is not given'],
  ['MQTT_TOOL_DNS_SERVER', 'the DNS server (host or host:port) that -S asks for SRV records'],
  ['NO_COLOR', 'no colours, as with --no-color'],
  ['COLUMNS', 'the width to fit output to when the terminal does not say'],
  ['XDG_CONFIG_HOME', 'where the config file is looked for (default ~/.config)'],
  ['XDG_CACHE_HOME', 'where the code cache of Node 20 is kept (default ~/.cache)'],
];

const FILES: Array<[string, string]> = [
  ['$XDG_CONFIG_HOME/mqtt-tool/config.yaml', 'named connection profiles (config.yml and config.json are read too); see mqtt-tool-profile-list(1)'],
  ['~/.config/mosquitto_pub, ~/.config/mosquitto_sub, ~/.config/mosquitto_rr', "mosquitto's default options files, read as they are by pub, sub and rr"],
  ['$XDG_CACHE_HOME/mqtt-tool/', 'the V8 code cache of the bundles on Node 20; safe to delete'],
];

function optionItem(o: OptionModel): string {
  const [names, value] = o.flags.includes('<') || o.flags.includes('[') ? [o.flags.replace(/\s*[<[].*$/, ''), o.flags.slice(o.flags.search(/[<[]/))] : [o.flags, ''];
  const head = names
    .split(/,\s*/)
    .map((n) => `\\fB${roff(n)}\\fR`)
    .join(', ');
  return `.TP\n${head}${value === '' ? '' : ` \\fI${roff(value)}\\fR`}\n${roff(o.description)}`;
}

function optionSections(options: readonly OptionModel[]): string[] {
  const groups = new Map<string, OptionModel[]>();
  for (const o of options) {
    const g = (o.group ?? 'Options:').replace(/:$/, '');
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  return [...groups].map(([g, list]) => `.SS ${roff(g)}\n${list.map(optionItem).join('\n')}`);
}

export function manPage(cmd: CommandModel, path: readonly string[], extras: ManExtras): string {
  const name = pageName(path);
  const invocation = ['mqtt-tool', ...path].join(' ');
  const lines = [
    `.TH ${name.toUpperCase()} 1 "" "mqtt-tool ${roff(extras.version)}" "User Commands"`,
    // No hyphenation, ragged right: flag names and values must read as typed.
    '.nh',
    '.ad l',
    '.SH NAME',
    `${roff(name)} \\- ${roff(cmd.description)}`,
    '.SH SYNOPSIS',
    `.B ${roff(invocation)}`,
    roff(cmd.usage).replace(/<([^>]+)>/g, '\\fI$1\\fR'),
    '.SH DESCRIPTION',
    roff(`${cmd.description.charAt(0).toUpperCase()}${cmd.description.slice(1)}.`),
  ];
  if (cmd.subcommands.length > 0) {
    lines.push('.SH COMMANDS', ...cmd.subcommands.map((c) => `.TP\n\\fB${roff(c.name)}\\fR\n${roff(c.description)}${c.name === 'help' ? '' : ` (see \\fB${roff(pageName([...path, c.name]))}\\fR(1))`}`));
  }
  lines.push('.SH OPTIONS', ...optionSections(cmd.options));
  if (extras.examples.length > 0) lines.push('.SH EXAMPLES', '.nf', ...extras.examples.flatMap((e) => foldExample(e)).map(roff), '.fi');
  lines.push('.SH EXIT STATUS', ...extras.exitCodes.map((r) => `.TP\n.B ${r.code}\n${roff(r.meaning)}`));
  lines.push('.SH ENVIRONMENT', ...ENVIRONMENT.map(([k, v]) => `.TP\n.B ${roff(k)}\n${roff(v)}`));
  lines.push('.SH FILES', ...FILES.map(([k, v]) => `.TP\n.I ${roff(k)}\n${roff(v)}`));
  const related = extras.allPages.filter((p) => p !== name).map((p) => `.BR ${roff(p)} (1)`);
  lines.push('.SH SEE ALSO', related.join(',\n'), ', and the documentation in the docs/ folder of the mqtt-tool repository.');
  return `${lines.join('\n')}\n`;
}
