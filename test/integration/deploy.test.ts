/**
 * deploy/kubernetes, checked offline: the objects pass the Kubernetes API's schema (kubernetes-models'
 * validators, generated from the API's OpenAPI definitions; unknown fields fail the type check of
 * manifests.ts), the YAML files are what manifests.ts gives (`npm run manifests` writes them), the
 * Job's bench arguments are ones the built CLI accepts, and promtool accepts the scrape job.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { stringify } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { job, METRICS_PORT, podMonitor, SHARDS } from '../../deploy/kubernetes/manifests.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const HEADER = '# Written by `npm run manifests` from deploy/kubernetes/manifests.ts: edit that file, not this one.\n';
const files: Array<[string, unknown]> = [
  ['bench-job.yaml', job],
  ['podmonitor.yaml', podMonitor],
];

test('the manifests pass the Kubernetes API schema', () => {
  expect(() => new Job(job).validate()).not.toThrow();
  expect(() => new PodMonitor(podMonitor).validate()).not.toThrow();
  // The check has teeth: a wrong enum value and a string for an integer are refused.
  expect(() => new Job({ ...job, spec: { ...job.spec!, completionMode: 'Sharded' as 'Indexed' } }).validate()).toThrow(/completionMode/);
  expect(() => new Job({ ...job, spec: { ...job.spec!, parallelism: '3' as unknown as number } }).validate()).toThrow(/parallelism/);
});

test('the YAML files are what manifests.ts gives', () => {
  for (const [file, object] of files) {
    const text = HEADER + stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
    if (process.env['MQTT_TOOL_WRITE_MANIFESTS'] === '1') writeFileSync(join(DIR, file), text);
    expect(readFileSync(join(DIR, file), 'utf8'), `${file}: run npm run manifests`).toBe(text);
  }
});

test('an Indexed Job of SHARDS pods, each its own shard, its metrics port where Prometheus looks', () => {
  const spec = job.spec!;
  expect([spec.completionMode, spec.completions, spec.parallelism]).toEqual(['Indexed', SHARDS, SHARDS]);
  const container = spec.template.spec!.containers[0]!;
  const args = container.args!;
  expect(args[args.indexOf('--shard') + 1]).toBe(`$(JOB_COMPLETION_INDEX)/${SHARDS}`);
  expect(args[args.indexOf('--metrics-port') + 1]).toBe(String(METRICS_PORT));
  expect(container.ports).toContainEqual(expect.objectContaining({ name: 'metrics', containerPort: METRICS_PORT }));
  expect(spec.template.metadata!.annotations!['prometheus.io/port']).toBe(String(METRICS_PORT));
  // Every $(VAR) the arguments use is the index Kubernetes sets, or one of the container's variables.
  const defined = new Set(['JOB_COMPLETION_INDEX', ...(container.env ?? []).map((e) => e.name)]);
  for (const a of args) for (const [, v] of a.matchAll(/\$\(([A-Z_]+)\)/g)) expect(defined).toContain(v);
  expect(podMonitor.spec.podMetricsEndpoints![0]!.port).toBe('metrics');
});

test("the Job's bench arguments are accepted by the CLI (a closed port: exit 4, not a usage error)", async () => {
  const container = job.spec!.template.spec!.containers[0]!;
  const env: Record<string, string> = { JOB_COMPLETION_INDEX: '1', BROKER_HOST: '127.0.0.1', BROKER_PORT: String(await freePort()), START_AT: new Date().toISOString() };
  const args = container.args!.map((a) => a.replace(/\$\(([A-Z_]+)\)/g, (_, v: string) => env[v] ?? ''));
  const r = await runCli([...args, '--metrics-port', `127.0.0.1:${await freePort()}`, '--metrics-hold', '0', '--connect-timeout', '2'], { timeoutMs: 30_000 });
  expect(r.stderr).not.toMatch(/unknown option|invalid/);
  expect(r.code).toBe(4);
});

test('promtool accepts the scrape job for a Prometheus that finds the pods by annotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-tool-promtool-'));
  const config = join(dir, 'prometheus.yml');
  // Debian builds Prometheus without Kubernetes discovery, so its promtool refuses kubernetes_sd_configs:
  // the one pod-discovery block is swapped for a static target, and promtool checks the rest (the relabelling).
  const scrape = readFileSync(join(DIR, 'prometheus-scrape.yml'), 'utf8');
  const discovery = '    kubernetes_sd_configs:\n      - role: pod\n';
  expect(scrape).toContain(discovery);
  writeFileSync(config, `global:\n  scrape_interval: 15s\n${scrape.replace(discovery, "    static_configs:\n      - targets: ['127.0.0.1:9464']\n")}`);
  const out = execFileSync('promtool', ['check', 'config', config], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(out).toMatch(/SUCCESS/);
});
