/** Spawns the built CLI exactly as a user would, bounded by a timeout. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/mqtt-tool.cjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface CliOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
}

export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function collect(child: ChildProcess, timeoutMs = 20_000): Promise<CliResult> {
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs} ms; stderr so far: ${err}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr: err, stdoutBytes });
    });
  });
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  child.stdin?.on('error', () => {});
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();
  return collect(child, options.timeoutMs);
}

/** Resolves when `text` appears on the child's stderr. */
export function waitForStderr(child: ChildProcess, text: string | RegExp, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`'${String(text)}' not seen on stderr within ${timeoutMs} ms: ${seen}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        child.stderr?.removeListener('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
  });
}

/** Resolves once `text` has appeared on the child's stdout. */
export function waitForStdout(child: ChildProcess, text: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`'${text}' not on stdout within ${timeoutMs} ms: ${seen}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        child.stdout?.removeListener('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
  });
}
