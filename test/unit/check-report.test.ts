import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import { checkError, renderStep, stepJson, summarize, type CheckStep } from '../../src/report/check-report.js';
import { wrap } from '../../src/io/width.js';
import { ExitCode } from '../../src/errors.js';

const plain = new Chalk({ level: 0 });
const ok: CheckStep = { name: 'DNS', status: 'ok', finding: 'localhost -> 127.0.0.1', ms: 1.4 };
const warn: CheckStep = { name: 'TLS', status: 'warn', finding: 'expires in 3 days', hint: 'Renew it.' };
const fail: CheckStep = { name: 'TCP', status: 'fail', finding: 'refused', hint: 'Start the broker.', exitCode: ExitCode.network };

describe('summarize and the exit code', () => {
  test.each([
    [[ok], 'ok', ExitCode.ok],
    [[ok, warn], 'warnings', ExitCode.checkFailed],
    [[ok, warn, fail], 'failed', ExitCode.network],
    [[{ ...fail, exitCode: ExitCode.tls }, fail], 'failed', ExitCode.tls],
  ] as const)('%#: %s, exit %i', (steps, result, exitCode) => {
    const s = summarize(steps);
    expect(s).toMatchObject({ result, exitCode });
    expect(checkError('diagnose', s, false)?.exitCode).toBe(exitCode === ExitCode.ok ? undefined : exitCode);
  });
  test('the error names the failed step or the warnings', () => {
    expect(checkError('tls-check', summarize([fail]), false)?.message).toBe('tls-check: TCP failed');
    expect(checkError('tls-check', summarize([warn]), false)?.message).toBe('tls-check: completed with warnings');
  });
  test('after a report on the terminal the error is silent: the result line already said it', () => {
    expect(checkError('diagnose', summarize([fail]), true)).toMatchObject({ alreadyShown: true, exitCode: ExitCode.network });
    expect(checkError('diagnose', summarize([fail]), false)?.alreadyShown).toBe(false);
  });
});

test('JSON keeps each command its own name key', () => {
  expect(stepJson(fail, 'step')).toEqual({ step: 'TCP', status: 'fail', finding: 'refused', hint: 'Start the broker.', exitCode: 4 });
  expect(Object.keys(stepJson(ok, 'check'))[0]).toBe('check');
});

describe('text', () => {
  test('diagnose layout: name, milliseconds, finding; details and fix under the finding', () => {
    const text = renderStep(plain, { ...fail, ms: 12, details: [['127.0.0.1:1883', 'refused (nothing listens)']] }, { nameWidth: 13, showMs: true, columns: undefined });
    expect(text).toBe(
      ['FAIL  TCP             12 ms  refused', `${' '.repeat(29)}127.0.0.1:1883: refused (nothing listens)`, `${' '.repeat(29)}fix: Start the broker.`, ''].join('\n'),
    );
  });
  test('no fix line for ok and info steps', () => {
    expect(renderStep(plain, { ...ok, hint: 'unused' }, { nameWidth: 19, showMs: false, columns: undefined })).toBe('ok    DNS                 localhost -> 127.0.0.1\n');
  });
  test('on a terminal, long findings wrap under their column; on a pipe they stay whole', () => {
    const long = { ...warn, finding: 'word '.repeat(30).trim() };
    const wrapped = renderStep(plain, long, { nameWidth: 13, showMs: false, columns: 60 });
    for (const line of wrapped.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(wrapped.split('\n').slice(1, -2).every((l) => l.startsWith(' '.repeat(20)))).toBe(true);
    expect(renderStep(plain, long, { nameWidth: 13, showMs: false, columns: undefined }).split('\n')).toHaveLength(3);
  });
  test('wrap keeps a word longer than the line whole', () => {
    expect(wrap(`a ${'x'.repeat(50)} b`, 2, 2, 30)).toBe(`a\n  ${'x'.repeat(50)}\n  b`);
  });
});
