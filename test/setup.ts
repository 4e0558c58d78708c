import { afterAll, afterEach, expect } from 'vitest';
import { takeViolations } from './helpers/checking-proxy.js';
import { removeTempDirs } from './helpers/temp.js';

// Every packet a client sent to a test broker through its checking proxy obeys the MQTT client rules.
afterEach(() => {
  expect(takeViolations().map((v) => `[${v.rule}] ${v.what} (client ${v.client})`)).toEqual([]);
});
afterAll(removeTempDirs);
