/**
 * `c` in explore: the command line that does from a shell what the screen shows: `pub` with the
 * selected topic's last value (retained and QoS as it came), or `sub` to the subtree. The
 * password is never in it. Pure.
 */
import type { ConnectionSpec } from '../protocol/spec.js';
import { shellWord } from './screen.js';
import type { TopicNode } from './tree.js';

/** Values longer than this are left out: the command subscribes instead. */
const LONGEST_VALUE = 200;

export function commandFor(spec: ConnectionSpec, node: TopicNode): string {
  const target = spec.unixPath !== undefined ? ['--unix', spec.unixPath] : ['-L', `${spec.transport}://${spec.host}:${spec.port}${spec.transport.startsWith('ws') ? spec.path : ''}`];
  const who = spec.username === undefined ? [] : ['-u', spec.username];
  const base = ['mqtt-tool'];
  const last = node.last;
  if (node.value !== undefined && last !== undefined && !last.truncated && last.text.length <= LONGEST_VALUE && node.value.encoding === undefined && !last.text.startsWith('hex ')) {
    const flags = [...(node.value.qos > 0 ? ['-q', String(node.value.qos)] : []), ...(node.value.retain ? ['-r'] : [])];
    const value = last.text;
    return [...base, 'pub', ...target, ...who, '-t', node.path, '-m', value, ...flags].map(shellWord).join(' ');
  }
  const filter = node.children.size > 0 ? (node.path === '' ? '#' : `${node.path}/#`) : node.path;
  return [...base, 'sub', ...target, ...who, '-t', filter, '-v'].map(shellWord).join(' ');
}
