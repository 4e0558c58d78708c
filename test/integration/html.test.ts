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
    title: await page.title(),
    text: await page.innerText('body'),
  };
  if (screenshot !== undefined) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { ...result, errors, requests: requests.filter((u) => u !== `file://${file}`) };
}

test('bench --html: a curve per QoS in both latency charts, a bar per QoS, no console error, no request', async () => {
  const file = join(tmp, 'bench.html');
  const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--messages', '6000', '--html', file], { timeoutMs: 90_000 });
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
  expect(seen.title).toBe(`mqtt-tool bench: mqtt://127.0.0.1:${broker.port}`);
  expect(seen.text).toMatch(/QoS 2 runs at [\d.]+x the throughput of QoS 0/);
  expect(seen.text).toContain('load generator CPU');
  expect(readFileSync(file, 'utf8')).not.toMatch(/<script|https?:\/\//);
}, 120_000);

test('bench merge --html draws the merged runs', async () => {
  const files = ['a.json', 'b.json'].map((f) => join(tmp, f));
  for (const f of files) {
    const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0,1', '--messages', '2000', '--latency-rate', '2000', '--out', f], { timeoutMs: 60_000 });
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

test('--html to a folder that does not exist is a usage error', async () => {
  const r = await runCli(['bench', '-h', '127.0.0.1', '-p', String(broker.port), '--qos', '0', '--messages', '100', '--latency-rate', '0', '--html', '/nonexistent/dir/x.html']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("cannot write --html '/nonexistent/dir/x.html': ENOENT");
});
