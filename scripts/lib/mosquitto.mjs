// The Mosquitto both benchmark scripts measure against: a free loopback port, no queue or
// in-flight limits (max_queued_messages 0, max_inflight_messages 0), a temporary folder for its
// config and the scripts' input files. Stopped by its PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => net.connect(port, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within 5 s`);
}

/** Starts the broker; `dir` is a temporary folder removed by stop(). */
export async function startBenchBroker(name) {
  const dir = mkdtempSync(join(tmpdir(), `mqtt-tool-${name}-`));
  const port = await freePort();
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n`);
  const broker = spawn('mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    dir,
    port,
    pid: broker.pid,
    conn: ['-h', '127.0.0.1', '-p', String(port)],
    stop: () =>
      new Promise((resolve) => {
        broker.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        broker.kill('SIGTERM');
      }),
  };
}
