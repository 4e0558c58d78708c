/**
 * A command in a pseudo-terminal (node-pty, from @lydell/node-pty's prebuilt binaries) read by a
 * headless terminal emulator (xterm.js): what a person sees, cell by cell. Every wait is bounded
 * and waits for the screen to show something, never for time.
 */
import { spawn, type IPty } from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { BIN } from './cli.js';

export interface PtyScreen {
  /** The visible lines, right-trimmed. */
  lines(): string[];
  text(): string;
  /** Everything the program wrote, escape sequences and all. */
  raw(): string;
  /** Resolves when `test` holds for the screen; rejects with the screen after `timeoutMs`. */
  waitFor(test: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<void>;
  press(keys: string): void;
  resize(columns: number, rows: number): void;
  readonly exited: Promise<{ exitCode: number; signal: number | undefined }>;
  kill(signal?: string): void;
  /** Whether the emulator is on the alternate screen. */
  alternate(): boolean;
}

export function runInPty(args: string[], columns: number, rows: number, env: Record<string, string> = {}): PtyScreen {
  const term = new xterm.Terminal({ cols: columns, rows, allowProposedApi: true });
  let raw = '';
  const pty: IPty = spawn(process.execPath, [BIN, ...args], { cols: columns, rows, env: { ...process.env, TERM: 'xterm-256color', ...env } as Record<string, string> });
  const listeners = new Set<() => void>();
  pty.onData((d) => {
    raw += d;
    term.write(d, () => {
      for (const l of listeners) l();
    });
  });
  const exited = new Promise<{ exitCode: number; signal: number | undefined }>((resolve) => pty.onExit((e) => resolve({ exitCode: e.exitCode, signal: e.signal })));
  const lines = (): string[] => {
    const b = term.buffer.active;
    return Array.from({ length: term.rows }, (_, i) => b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
  };
  const text = (): string => lines().join('\n');
  return {
    lines,
    text,
    raw: () => raw,
    waitFor: (test, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const ok = (): boolean => (typeof test === 'string' ? text().includes(test) : test instanceof RegExp ? test.test(text()) : test(text()));
        const check = (): void => {
          if (!ok()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`the screen did not show ${String(test)} within ${timeoutMs} ms; it shows:\n${text()}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    press: (keys) => pty.write(keys),
    resize: (c, r) => {
      term.resize(c, r);
      pty.resize(c, r);
    },
    exited,
    kill: (signal) => pty.kill(signal),
    alternate: () => term.buffer.active.type === 'alternate',
  };
}
