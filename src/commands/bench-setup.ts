/**
 * What a bench run needs before it measures: the embedded broker in its own process, the broker's
 * process when it runs on this machine (for its CPU time), the fleet and shard flags checked
 * against each other and the descriptor limit, and the --start-at gate.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { NetworkError, UsageError } from '../errors.js';
import type { ConnectionSpec } from '../protocol/spec.js';
import { requireTopicFilter, requireTopicName, topicMatchesFilter, unshared } from '../protocol/topics.js';
import { findListeningProcess, openFilesLimit } from '../bench/machine.js';
import { shareOf, WHOLE } from '../bench/shard.js';
import { expandTopic, MAX_PUBLISHERS } from '../bench/stats.js';
import type { BenchFlags } from './bench.js';

/** Starts the embedded broker in its own process; resolves with its port and a stop function. */
export function startBrokerProcess(): Promise<{ port: number; pid: number | undefined; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'broker-child.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new NetworkError('the embedded broker did not start within 10 s'));
    }, 10_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve({
        port: m.port,
        pid: child.pid,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.send('stop');
            setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new NetworkError(`the embedded broker exited with code ${code}`));
    });
  });
}

/** A broker on this machine (loopback or a Unix socket), found by its listening socket, for its CPU time. */
export function localBrokerPid(spec: ConnectionSpec): number | undefined {
  if (spec.unixPath !== undefined) return findListeningProcess({ path: spec.unixPath });
  const loopback = /^(127\.|::1$|\[::1\]$|localhost$)/.test(spec.host);
  return loopback && spec.proxy === undefined ? findListeningProcess({ port: spec.port }) : undefined;
}

/** --connections' pace when --connect-rate is not given. */
export const DEFAULT_CONNECT_RATE = 100;
/** Descriptors a bench process needs besides its connections (the runtime, worker threads, the metrics server). */
const SPARE_DESCRIPTORS = 64;

/** The fleet flags' own rules, before anything connects. */
export function checkFleetFlags(flags: BenchFlags): void {
  if (flags.publishInterval !== undefined && flags.rate !== undefined) throw new UsageError('give --publish-interval (per publisher) or --rate (in total), not both');
  if (flags.publishers > MAX_PUBLISHERS) throw new UsageError(`--publishers: at most ${MAX_PUBLISHERS.toLocaleString('en-US')} (payloads number publishers in 24 bits)`);
  if (flags.topicPattern !== undefined) requireTopicName(expandTopic(flags.topicPattern, 0, 'client'), '--topic-pattern');
  if (flags.subscribeFilter !== undefined) requireTopicFilter(flags.subscribeFilter, '--subscribe-filter');
  if (flags.subscribeFilter !== undefined && flags.topicPattern !== undefined && flags.subscribers > 0 && flags.connections === undefined) {
    const filter = unshared(flags.subscribeFilter);
    const sample = Math.min(flags.publishers, 1000);
    const matched = Array.from({ length: sample }, (_, i) => topicMatchesFilter(filter, expandTopic(flags.topicPattern as string, i, `client-p${i}`))).filter(Boolean).length;
    if (matched === 0) throw new UsageError(`--subscribe-filter '${flags.subscribeFilter}' matches none of the publishers' topics (--topic-pattern '${flags.topicPattern}' gives '${expandTopic(flags.topicPattern, 0, 'client-p0')}'): the subscribers would receive nothing`);
  }
  const shard = flags.shard ?? WHOLE;
  const clients = flags.connections ?? shareOf(flags.publishers, shard).count + shareOf(flags.subscribers, shard).count;
  const limit = openFilesLimit();
  if (limit !== undefined && clients + SPARE_DESCRIPTORS > limit) {
    throw new UsageError(`${clients.toLocaleString('en-US')} connections need as many descriptors, and this process may open ${limit.toLocaleString('en-US')} (ulimit -n)`, {
      hint: `Raise the limit (ulimit -n ${Math.max(65_536, clients + SPARE_DESCRIPTORS)}), or spread the clients over processes or machines with --shard I/N. The broker needs as many.`,
    });
  }
  if (flags.startAt !== undefined && flags.startAt > Date.now() + 86_400_000) throw new UsageError('--start-at is more than a day away: give the time the shards should start');
}

/** Waits until --start-at (bounded by it: at most a day, checked before); a time already past starts at once, said. */
export async function waitForStart(startAt: number, notice: (line: string) => void, halted: () => boolean): Promise<void> {
  const late = Date.now() - startAt;
  if (late > 1000) {
    notice(`--start-at was ${(late / 1000).toFixed(1)} s ago: starting now (shards that started on time ran ahead)`);
    return;
  }
  while (Date.now() < startAt && !halted()) await new Promise((r) => setTimeout(r, Math.min(250, startAt - Date.now())));
}
