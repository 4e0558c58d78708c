/** What a mosquitto_pub/sub user reaches for, against a real Mosquitto. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { collectMessages, testClient } from '../helpers/mqtt-client.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir('mqtt-tool-parity-');
let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(() => broker.stop());

describe('-o FILE', () => {
  test('options from a mosquitto-style file; the command line overrides them', async () => {
    const file = join(dir, 'mosquitto_pub');
    writeFileSync(file, `# written for mosquitto_pub\n-h 127.0.0.1\n-p ${broker.port}\n-q 1\n-t from/file\n`);
    const watcher = await testClient(`mqtt://127.0.0.1:${broker.port}`);
    const got = await collectMessages(watcher, 'from/#', 1);
    expect((await runCli(['pub', '-o', file, '-m', 'a b'])).code).toBe(0);
    expect((await runCli(['pub', '-o', file, '-t', 'from/cli', '-m', 'c'])).code).toBe(0);
    await got.waitFor(2);
    await watcher.endAsync();
    expect(got.messages.map((m) => [m.topic, m.payload.toString(), m.qos])).toEqual([
      ['from/file', 'a b', 1],
      ['from/cli', 'c', 1],
    ]);
  });
  test('a missing file or a bad line is exit 2 naming it', async () => {
    const missing = await runCli(['sub', '-o', join(dir, 'nope'), '-t', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read -o '${join(dir, 'nope')}': no such file`);
    const bad = join(dir, 'bad');
    writeFileSync(bad, '-h 127.0.0.1\nport 1883\n');
    const r = await runCli(['sub', '-o', bad, '-t', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:2: expected a flag`);
  });
});
