/**
 * bench judges the machine it runs on: a quiet run must not warn of other processes, and a run
 * during part of which a busy loop takes a core must say so, with the count of trials it disturbed.
 * This file runs alone, after the rest of the suite (its own project in vitest.config.ts), against a
 * Mosquitto reached directly, so that bench finds the broker's process by its listening socket.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { collect, runCli, spawnCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';

interface Report {
  results: Array<{ qos: number; trials: Array<{ round: number; otherCores: number | null; brokerCores: number | null; busiestThread: number | null }> }>;
  comparisons: Array<{ qos: number; rounds: number; throughputRatioCi95: [number, number] | null; verdict: string }>;
  warnings: Array<{ code: string; message: string }>;
}

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto({ direct: true, extra: ['max_inflight_messages 0'] });
});
afterAll(() => broker.stop());

const ARGS = () => ['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0,1', '--trials', '6', '--duration', '0.4', '--warmup', '0.2', '--latency-rate', '0', '--json'];

test('a quiet run: every trial measured with the broker\'s CPU, a verdict with its interval, no warning of other processes', async () => {
  const r = await runCli(ARGS(), { timeoutMs: 60_000 });
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as Report;
  const trials = report.results.flatMap((l) => l.trials);
  expect(trials).toHaveLength(12);
  for (const t of trials) {
    expect(t.brokerCores).not.toBeNull();
    expect(t.otherCores).not.toBeNull();
    expect(t.busiestThread).toBeGreaterThan(0);
  }
  expect(report.comparisons).toMatchObject([{ qos: 1, rounds: 6 }]);
  expect(report.comparisons[0]?.throughputRatioCi95).not.toBeNull();
  expect(report.warnings.map((w) => w.code)).not.toContain('machine-busy');
  expect(report.warnings.map((w) => w.code)).not.toContain('steal');
}, 90_000);

test('a busy loop during part of the run: machine-busy, naming how many trials it disturbed', async () => {
  const child = spawnCli(ARGS());
  // One core kept busy for the first 3 s of the run (the warm-up round and the first trials); the run lasts longer.
  const hog = spawn(process.execPath, ['-e', 'const end = Date.now() + 3000; while (Date.now() < end);'], { stdio: 'ignore' });
  try {
    const r = await collect(child, 60_000);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const busy = report.warnings.find((w) => w.code === 'machine-busy');
    expect(busy?.message).toMatch(/other processes used up to [\d.]+ cores during \d+ of 12 trials/);
    const disturbed = Number(/during (\d+) of 12/.exec(busy?.message ?? '')?.[1]);
    expect(disturbed).toBeGreaterThan(0);
    expect(disturbed).toBeLessThan(12);
    expect(r.stderr).toContain('mqtt-tool: warning: other processes used up to');
  } finally {
    if (hog.exitCode === null) hog.kill('SIGKILL');
  }
}, 90_000);
