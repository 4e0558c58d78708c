/**
 * What each part of src/ holds and what it may import. A part imports only the parts its row
 * names, so the layers stay one-way: leaves at the bottom, the shared connection layer in the
 * middle, command cores above it, the command-line edge on top. test/unit/layout.test.ts holds
 * the source to it; `npm run readme` writes it into docs/development.md.
 */

export interface Part {
  /** A folder under src/ ('connection/') or a top-level file ('errors.ts'). */
  readonly part: string;
  readonly holds: string;
  readonly mayImport: readonly string[];
  /** Reads no environment, writes to no standard stream, never exits: everything comes in as arguments. */
  readonly quiet: boolean;
}

export const LEAVES = ['errors.ts', 'latch.ts'];

export const LAYOUT: readonly Part[] = [
  { part: 'errors.ts', holds: 'the one exit-code table and the error classes that carry a code and a hint', mayImport: [], quiet: true },
  { part: 'latch.ts', holds: 'a promise settled once from outside: what a run waits on', mayImport: [], quiet: true },
  { part: 'lazy.ts', holds: 'loads a bundle of dist/ only when a run needs it', mayImport: [], quiet: true },
  { part: 'version.ts', holds: 'the version string', mayImport: [], quiet: true },
  { part: 'esm-import.ts', holds: 'a native import() the bundler leaves alone (aedes is an ES module)', mayImport: [], quiet: true },
  { part: 'protocol/', holds: 'leaf types and facts of MQTT: `Qos`, `ProtocolVersion`, `ConnectionSpec` and its parts, topic rules, endpoint names', mayImport: ['errors.ts'], quiet: true },
  { part: 'codecs/', holds: 'payload codecs (bytes ↔ JSON values), the Sparkplug B schema and session checks, codec spec parsing', mayImport: ['errors.ts'], quiet: true },
  { part: 'report/', holds: 'check reports of diagnose and tls-check: ok / warn / FAIL steps, JSON, the exit 0/8 rule; the limits report', mayImport: ['io/', 'errors.ts'], quiet: true },
  { part: 'tls/', holds: 'TLS flags → `TlsSpec`, the SNI rule and node:tls parameters, the one TLS probe, verify codes → words, certificate facts', mayImport: ['protocol/', 'errors.ts'], quiet: true },
  { part: 'io/', holds: 'payload input, output formatters, the stdout writer, signals, the terminal (its stderr lines wrapped to the width), widths and word wrapping, prompts, the --watch screen', mayImport: ['protocol/', ...LEAVES], quiet: false },
  {
    part: 'connection/',
    holds: 'the shared layer: session (CONNECT → CONNACK, fallback), supervise and keepalive, reconnect policy, the QoS 1/2 state machine (`inflight.ts`), the batch writer and publish hot path, the ack tap, reason codes, explanations in words, transports (one file each)',
    mayImport: ['protocol/', 'tls/', 'errors.ts', 'lazy.ts'],
    quiet: true,
  },
  { part: 'pub/', holds: "pub's core: a publish run on a session, line mode, --jsonl records, the broker's limits", mayImport: ['connection/', 'protocol/', 'io/', 'codecs/', ...LEAVES], quiet: true },
  { part: 'sub/', holds: "sub's core: a subscription run, SUBSCRIBE/UNSUBSCRIBE and their acks, --retained-only", mayImport: ['connection/', 'protocol/', 'io/', ...LEAVES], quiet: true },
  { part: 'rr/', holds: "rr's core: one request/response exchange", mayImport: ['connection/', 'protocol/', 'io/', ...LEAVES], quiet: true },
  { part: 'explore/', holds: "explore's core: the topic tree, samples and sparklines, the screen's layout and its updates, keys, the run on a terminal", mayImport: ['connection/', 'protocol/', 'io/', ...LEAVES], quiet: true },
  { part: 'diagnose/', holds: "diagnose's core: one file a step; --limits: the probe kit, the bisection, sizes and features", mayImport: ['connection/', 'protocol/', 'tls/', 'report/', ...LEAVES], quiet: true },
  { part: 'bench/', holds: "bench's core: the runner and its worker threads, trials in rotated rounds, statistics and confidence intervals, the machine's load, reports, compare, the page, live metrics", mayImport: ['connection/', 'protocol/', 'report/', 'io/', ...LEAVES], quiet: true },
  { part: 'broker/', holds: 'the embedded broker (aedes) and its child process', mayImport: ['errors.ts', 'lazy.ts', 'esm-import.ts'], quiet: false },
  { part: 'completion/', holds: 'the command model read from the declarations, and what it gives: completion scripts (bash, zsh, fish) and man pages', mayImport: ['io/'], quiet: true },
  { part: 'cli/', holds: "flag groups declared once, flag value parsers, the connection flags type, commander's errors in our words", mayImport: ['protocol/', 'tls/', 'codecs/', 'errors.ts'], quiet: true },
  { part: 'config/', holds: 'profiles and options files', mayImport: ['cli/', 'protocol/', 'io/', 'errors.ts'], quiet: false },
  {
    part: 'setup/',
    holds: 'the edge under the commands: flags + URL + environment + files + profile + prompt → `ConnectionSpec`; the embedded broker started; -D properties; codecs loaded',
    mayImport: ['cli/', 'config/', 'broker/', 'connection/', 'tls/', 'protocol/', 'io/', 'codecs/', 'errors.ts', 'lazy.ts'],
    quiet: false,
  },
  {
    part: 'commands/',
    holds: 'one module per command: flags in, core called, output rendered',
    mayImport: ['setup/', 'cli/', 'config/', 'broker/', 'completion/', 'pub/', 'sub/', 'rr/', 'explore/', 'diagnose/', 'bench/', 'connection/', 'tls/', 'report/', 'io/', 'codecs/', 'protocol/', ...LEAVES, 'lazy.ts', 'version.ts', 'esm-import.ts'],
    quiet: false,
  },
  { part: 'code-cache.ts', holds: 'the Node 20 code cache: a bundle loader bin/mqtt-tool.cjs registers first', mayImport: ['lazy.ts'], quiet: false },
  { part: 'cli.ts', holds: 'the command declarations; the one place that maps errors to exit codes', mayImport: ['cli/', 'commands/', 'config/', 'codecs/', 'io/', 'errors.ts', 'lazy.ts', 'version.ts'], quiet: false },
];

/** The layout table of docs/development.md, as this test's table writes it. */
export function layoutMarkdown(): string {
  const name = (p: string): string => `\`src/${p}\``;
  const rows = LAYOUT.map((p) => `| ${name(p.part)} | ${p.holds} | ${p.mayImport.length === 0 ? 'nothing of the project' : p.mayImport.map((i) => i.replace(/\/$/, '')).join(', ')}${p.quiet ? '; reads no environment, prints nothing, exits nothing' : ''} |`);
  return ['| part | holds | may import |', '|---|---|---|', ...rows].join('\n');
}
