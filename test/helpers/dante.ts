/** Debian's Dante SOCKS5 server (danted) on a free loopback port, its config in a temporary folder; stopped by its PID. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';

export interface Dante {
  readonly port: number;
  stop(): void;
}

/** A proxy that lets 127.0.0.1 reach only `allowPort` on 127.0.0.1 (anything else is refused by rule). */
export async function startDante(allowPort: number): Promise<Dante> {
  const dir = tempDir('mqtt-tool-dante-');
  const port = await freePort();
  const conf = join(dir, 'danted.conf');
  writeFileSync(
    conf,
    [
      'logoutput: stderr',
      `internal: 127.0.0.1 port = ${port}`,
      'external: lo',
      'socksmethod: none',
      'clientmethod: none',
      'user.privileged: root',
      'user.unprivileged: nobody',
      'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }',
      `socks pass { from: 127.0.0.0/8 to: 127.0.0.1/32 port = ${allowPort} }`,
      'socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }',
      '',
    ].join('\n'),
  );
  const child = spawn('/usr/sbin/danted', ['-f', conf, '-p', join(dir, 'danted.pid')], { stdio: 'ignore' });
  await waitForPort(port, 10_000);
  return { port, stop: () => child.kill('SIGTERM') };
}
