/**
 * Fuzzing end to end: the built binary against a scripted broker that answers correctly up to
 * CONNACK and SUBACK, then sends one mutated packet (test/helpers/mutations.ts) where a
 * subscriber expects messages or a publisher its acknowledgement. Across sub, pub, rr, diagnose
 * and bench under MQTT 3.1.1 and 5: every run ends within its bound with an exit code from the
 * table, prints no stack trace and no "internal error", and never prints a message twice.
 * `npm run fuzz` runs a longer campaign (FUZZ_SCALE times the runs, from FUZZ_SEED).
 */
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { expect, test } from 'vitest';
import { EXIT_CODE_TABLE } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startFakeBroker } from '../helpers/fake-broker.js';
import { mutated } from '../helpers/mutations.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261205);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const RUNS = Math.round(180 * SCALE);
const PARALLEL = 6;
const CODES = new Set<number>(EXIT_CODE_TABLE.map((r) => r.code));

type Where = 'after-suback' | 'answer-publish';

/** The commands under test: what they run, where the mutated packet meets them. */
const COMMANDS: Array<{ name: string; where: Where; args: (v: '311' | '5') => string[] }> = [
  { name: 'sub', where: 'after-suback', args: (v) => ['sub', '-V', v, '-t', 'fz/#', '-q', '2', '-W', '2', '-v'] },
  { name: 'pub -q 1', where: 'answer-publish', args: (v) => ['pub', '-V', v, '-t', 'fz/a', '-m', 'x', '-q', '1', '--ack-timeout', '2'] },
  { name: 'pub -q 2', where: 'answer-publish', args: (v) => ['pub', '-V', v, '-t', 'fz/a', '-m', 'x', '-q', '2', '--ack-timeout', '2'] },
  { name: 'rr', where: 'after-suback', args: () => ['rr', '-V', '5', '-t', 'fz/req', '-e', 'fz/resp', '-m', 'q', '-W', '2'] },
  { name: 'diagnose', where: 'after-suback', args: (v) => ['diagnose', '-V', v, '--connect-timeout', '2'] },
  { name: 'bench', where: 'after-suback', args: (v) => ['bench', '-V', v, '--qos', '1', '--messages', '40', '--trials', '1', '--warmup', '0', '--connect-timeout', '2', '--drain', '1', '--json'] },
  { name: 'bench publishers', where: 'answer-publish', args: (v) => ['bench', '-V', v, '--qos', '2', '--messages', '40', '--trials', '1', '--warmup', '0', '--connect-timeout', '2', '--drain', '1', '--json'] },
];

/** Good messages around the mutated packet: a subscriber prints each once, whatever comes between. */
function good(payload: string, v: 4 | 5): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic: 'fz/good', payload: Buffer.from(payload), qos: 0, dup: false, retain: false } as Packet, { protocolVersion: v });
}

test(`${RUNS} runs of mutated broker packets across the commands: bounded, an exit code from the table, no trace, nothing printed twice`, async () => {
  const cases = fc.sample(fc.tuple(mutated, fc.nat(COMMANDS.length - 1)), { seed: SEED, numRuns: RUNS });
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) {
      const [{ version, frame }, c] = cases[i]!;
      const command = COMMANDS[c]!;
      const v = version === 5 ? '5' : '311';
      const bytes = command.where === 'after-suback' ? Buffer.concat([good('one', version), frame, good('two', version)]) : frame;
      const fake = await startFakeBroker({ kind: command.where, bytes });
      try {
        const r = await runCli([...command.args(v), '-h', '127.0.0.1', '-p', String(fake.port)], { timeoutMs: 25_000 }).catch((err: Error) => ({ code: null, stdout: '', stderr: err.message }));
        const lines = r.stdout.split('\n').filter((l) => l !== '');
        const said = `${command.name} -V ${v} after ${frame.toString('hex')}`;
        if (r.code === null || !CODES.has(r.code)) failures.push(`${said}: exit ${r.code} (${r.stderr.trim().split('\n')[0]})`);
        else if (/internal error|\n\s+at |RangeError|TypeError/.test(r.stderr)) failures.push(`${said}: ${r.stderr.trim().split('\n')[0]}`);
        else if (command.name === 'sub' && new Set(lines).size !== lines.length) failures.push(`${said}: printed a message twice: ${lines.join(' | ')}`);
      } finally {
        await fake.close();
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  expect(failures).toEqual([]);
}, Math.max(600_000, RUNS * 3_000));
