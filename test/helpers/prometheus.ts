/**
 * A real Prometheus server (Debian's package) for the tests: a free loopback port, its
 * configuration and data in a temporary folder, scraping the given targets every second;
 * stopped by its PID.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';

export interface Prometheus {
  readonly url: string;
  /** An instant query's vector, as label sets with their values. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: readonly string[]): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mqtt-tool-prom-'));
  const port = await freePort();
  const config = ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: mqtt-bench', '    static_configs:', `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`, ''].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const child = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitForPort(port, 20_000);
  // Listening is not ready: wait (bounded) until the server answers /-/ready.
  for (let i = 0; i < 100; i++) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    query: async (promql) => {
      const res = (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`).then((r) => r.json())) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (res.status !== 'success') throw new Error(`PromQL failed: ${promql}`);
      return res.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
