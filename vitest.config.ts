import { defineConfig } from 'vitest/config';

export default defineConfig({
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
