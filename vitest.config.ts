import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  // The version the bundle has built in, for tests that load the command declarations from source.
  define: { __MQTT_TOOL_VERSION__: JSON.stringify(version) },
  test: {
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/quiet/**'], sequence: { groupOrder: 0 } } },
      // Tests that judge the machine's load run alone, after every other file: nothing of the suite competes with them.
      { extends: true, test: { name: 'quiet', include: ['test/quiet/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
