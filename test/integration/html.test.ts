/**
 * bench --html, looked at as a person would: headless Chromium (Debian's package) opens the page,
 * finds one curve per QoS level in each latency chart and a bar per level, and sees no console
 * error; a screenshot is written (MQTT_TOOL_SCREENSHOT names the file, else a temporary one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/temp.js';

const tmp = tempDir('mqtt-tool-html-');
let broker: Mosquitto;
let browser: Browser;
beforeAll(async () => {
  broker = await startMosquitto({ extra: ['max_inflight_messages 0'] });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    timeout: 30_000,
    // No sandbox as root; no background traffic (this machine's network is closed).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  broker?.stop();
});

async function look(file: string, screenshot?: string) {
  const page = await browser.newPage({ viewport: { width: 820, height: 1200 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // A self-contained page: any request beyond the file itself is a defect.
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`, { timeout: 15_000 });
  const curves = async (chart: string) =>
    page.$$eval(`#${chart} path.curve`, (paths) => paths.map((p) => ({ qos: p.getAttribute('data-qos'), width: p.getBoundingClientRect().width, height: p.getBoundingClientRect().height })));
  const result = {
    equal: await curves('latency-equal-rate'),
    saturation: await curves('latency-saturation'),
    bars: await page.$$eval('#throughput g.bar rect', (rects) => rects.map((r) => r.getBoundingClientRect().width)),
    whiskers: await page.$$eval('#throughput g.whisker', (w) => w.map((x) => x.getBoundingClientRect().width)),
    dots: await page.$$eval('#throughput circle.trial', (c) => c.length),
    latencyDots: await page.$$eval('#latency-trials circle.trial', (c) => c.length),
    title: await page.title(),
    text: await page.innerText('body'),
  };
  if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { ...result, errors, requests: requests.filter((u) => u !== `file://${file}`) };
}

test('bench --html: a curve per QoS in both latency charts, a bar per QoS with its interval and trials, no console error, no request', async () => {
  const file = join(tmp, 'bench.html');
  const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--messages', '1000', '--warmup', '0.1', '--latency-rate', '5000', '--html', file], { timeoutMs: 90_000 });
  expect(r.code).toBe(0);
  const seen = await look(file, process.env['MQTT_TOOL_SCREENSHOT'] ?? join(tmp, 'bench.png'));
  expect(seen.errors).toEqual([]);
  expect(seen.requests).toEqual([]);
  for (const chart of [seen.equal, seen.saturation]) {
    expect(chart.map((c) => c.qos)).toEqual(['0', '1', '2']);
    for (const c of chart) expect(c.width).toBeGreaterThan(100);
  }
  expect(seen.bars).toHaveLength(3);
  for (const w of seen.bars) expect(w).toBeGreaterThan(10);
  // Six trials: a whisker (the 95 % interval) and six dots per level; p50 and p99 per level in the latency spread.
  expect(seen.whiskers).toHaveLength(3);
  expect(seen.dots).toBe(18);
  expect(seen.latencyDots).toBe(36);
  expect(seen.title).toBe(`mqtt-tool bench: mqtt://127.0.0.1:${broker.port}`);
  expect(seen.text).toMatch(/QoS 2 (is slower than QoS 0|is faster than QoS 0|: no measurable throughput difference from QoS 0): [\d.]+x/);
  expect(seen.text).toContain('load generator CPU');
  expect(readFileSync(file, 'utf8')).not.toMatch(/<script|https?:\/\//);
  expect(r.stderr).toContain(`mqtt-tool: wrote the HTML page: ${file}`);
}, 120_000);

test('bench merge --html draws the merged runs', async () => {
  const files = ['a.json', 'b.json'].map((f) => join(tmp, f));
  for (const f of files) {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0,1', '--messages', '1000', '--trials', '2', '--warmup', '0', '--latency-rate', '2000', '--out', f], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
  }
  const html = join(tmp, 'merged.html');
  const merged = await runCli(['bench', 'merge', ...files, '--html', html]);
  expect(merged.code).toBe(0);
  const seen = await look(html);
  expect(seen.errors).toEqual([]);
  expect(seen.equal.map((c) => c.qos)).toEqual(['0', '1']);
  expect(seen.text).toContain('merged from');
  expect(seen.text).toContain('4,000 msg/s for every level');
}, 120_000);

test('bench compare --html: A and B side by side, each bar with its trials, the ratios with their intervals', async () => {
  const files = ['ca.json', 'cb.json'].map((f) => join(tmp, f));
  for (const f of files) {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0,1', '--messages', '1000', '--trials', '4', '--warmup', '0', '--latency-rate', '4000', '--out', f], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
  }
  const html = join(tmp, 'compare.html');
  const c = await runCli(['bench', 'compare', ...files, '--html', html]);
  expect(c.code).toBe(0);
  const seen = await look(html);
  expect(seen.errors).toEqual([]);
  expect(seen.requests).toEqual([]);
  expect(seen.bars).toHaveLength(4);
  // Four trials a run: too few for a level's own interval (six are), enough for the ratio's (four and four).
  expect(seen.whiskers).toHaveLength(0);
  expect(seen.dots).toBe(16);
  expect(seen.text).toMatch(/\d\.\d\dx\s+\d\.\d\dx–\d\.\d\dx\s+(slower|faster|no measurable difference)/);
  expect(seen.text).toMatch(/B \/ A\s+95 % interval\s+verdict/);
  expect(seen.text).toContain('Latency at 4,000 msg/s for every level (ms, B minus A)');
}, 120_000);

test('--html to a folder that does not exist is a usage error', async () => {
  const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0', '--messages', '100', '--trials', '1', '--warmup', '0', '--latency-rate', '0', '--html', '/nonexistent/dir/x.html']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("cannot write --html '/nonexistent/dir/x.html': ENOENT");
});
