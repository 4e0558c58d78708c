/** `mqtt-tool explore`: a full-screen view of a broker's topics (src/explore/), on a terminal only. */
import { Chalk } from 'chalk';
import type { ConnectionFlags } from '../cli/connection-flags.js';
import { shown } from '../cli/values.js';
import type { DecodeChoice } from '../codecs/spec.js';
import { UsageError } from '../errors.js';
import { explore } from '../explore/app.js';
import { colorLevel, createTerminal } from '../io/terminal.js';
import { requireTopicFilter } from '../protocol/topics.js';
import type { Qos } from '../protocol/types.js';
import { payloadDecoder } from '../setup/codecs.js';
import { resolveConnection } from '../setup/resolve.js';

export interface ExploreFlags extends ConnectionFlags {
  topic?: string[];
  qos?: Qos;
  decode?: DecodeChoice;
  maxValueBytes: number;
  history: number;
  embedded?: boolean;
  color: boolean;
}

/** Smaller than this, the panes and the status line no longer hold their words. */
const MIN_COLUMNS = 60;
const MIN_ROWS = 10;

export async function runExplore(flags: ExploreFlags): Promise<void> {
  const out = process.stdout;
  if (out.isTTY !== true || process.stdin.isTTY !== true) {
    throw new UsageError(`explore draws on a terminal: ${out.isTTY !== true ? 'stdout' : 'stdin'} is not one`, {
      hint: 'In a pipe or a script, use `mqtt-tool sub -t FILTER --watch` (on a terminal) or `mqtt-tool sub -t FILTER -F jsonl`.',
    });
  }
  if (out.columns < MIN_COLUMNS || out.rows < MIN_ROWS) {
    throw new UsageError(`explore needs a terminal of at least ${MIN_COLUMNS}x${MIN_ROWS}; this one is ${out.columns}x${out.rows}`, { hint: 'Make the window larger.' });
  }
  const filters = flags.topic ?? ['#'];
  for (const f of filters) requireTopicFilter(f, `topic filter '${shown(f)}'`);
  const term = createTerminal(flags.color);
  const connection = await resolveConnection(flags, term, { longRunning: true, embedded: flags.embedded === true });
  try {
    const decoder = flags.decode === undefined ? undefined : payloadDecoder(flags.decode);
    const c = new Chalk({ level: colorLevel(true, process.env, flags.color) });
    await explore({
      spec: connection.spec,
      dial: { webSocket: connection.webSocket, socks: connection.socks },
      filters,
      qos: flags.qos ?? 0,
      decode: decoder === undefined ? undefined : (topic, payload) => decoder(topic, payload),
      maxValueBytes: flags.maxValueBytes,
      history: flags.history,
      styles: { dim: c.dim, bold: c.bold, accent: c.cyan, warn: c.yellow, selected: (s) => `\x1b[7m${s}\x1b[27m` },
      stdin: process.stdin,
      stdout: out,
    });
  } finally {
    await connection.release();
  }
}
