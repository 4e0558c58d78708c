/** Where a message's payload comes from (`pub`, `rr`): exactly one of -m, -f, -s, -l, -n. */
import { readUserFile } from './files.js';
import { UsageError } from '../errors.js';

export interface PayloadFlags {
  message?: string;
  file?: string;
  stdinFile?: boolean;
  stdinLine?: boolean;
  jsonl?: boolean;
  nullMessage?: boolean;
}

export type PayloadSource =
  | { readonly kind: 'message'; readonly data: Buffer }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'lines' }
  /** Lines of `sub -F jsonl`, each a message with its own topic. */
  | { readonly kind: 'jsonl' }
  | { readonly kind: 'null' };

/** Pure: which source the flags name. `lines` says whether the command has -l. */
export function pickPayloadSource(flags: PayloadFlags, lines: boolean): PayloadSource {
  const given: Array<[string, PayloadSource]> = [];
  if (flags.message !== undefined) given.push(['-m', { kind: 'message', data: Buffer.from(flags.message, 'utf8') }]);
  if (flags.file !== undefined) given.push(['-f', { kind: 'file', path: flags.file }]);
  if (flags.stdinFile === true) given.push(['-s', { kind: 'stdin' }]);
  if (flags.stdinLine === true) given.push(['-l', { kind: 'lines' }]);
  if (flags.jsonl === true) given.push(['--jsonl', { kind: 'jsonl' }]);
  if (flags.nullMessage === true) given.push(['-n', { kind: 'null' }]);
  if (given.length === 0) {
    const choices = ['-m TEXT', '-f FILE', '-s', ...(lines ? ['-l', '--jsonl'] : []), '-n'];
    throw new UsageError(`no message to publish: give one of ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`);
  }
  if (given.length > 1) {
    throw new UsageError(`give only one message source; got ${given.map(([flag]) => flag).join(' and ')}`);
  }
  return (given[0] as [string, PayloadSource])[1];
}

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.once('error', reject);
  });
}

/** The whole payload of a one-message source; reading a file or stdin fails as a usage error naming it. */
export async function readPayload(source: Exclude<PayloadSource, { kind: 'lines' | 'jsonl' }>): Promise<Buffer> {
  switch (source.kind) {
    case 'message':
      return source.data;
    case 'file':
      return readUserFile('-f', source.path);
    case 'null':
      return Buffer.alloc(0);
    case 'stdin':
      return readStdin();
  }
}
