/**
 * aedes in this process on a free loopback port: 1.2.0 (MQTT 3.1.1 only; the npm alias aedes1) or
 * 2.0.0-beta.1 (MQTT 5; the embedded broker's), with a user/password check when `users` is given.
 */
import net from 'node:net';

export interface AedesBroker {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

type Authenticate = (client: unknown, username: string | undefined, password: Buffer | undefined, done: (err: Error | null, ok: boolean) => void) => void;

export async function startAedes(version: 1 | 2, users?: Record<string, string>): Promise<AedesBroker> {
  const { Aedes } = version === 1 ? await import('aedes1') : await import('aedes');
  const authenticate: Authenticate = (_client, username, password, done) => {
    const ok = username !== undefined && users?.[username] !== undefined && password?.toString() === users[username];
    if (ok) {
      done(null, true);
      return;
    }
    // A refused login: CONNACK 4 (3.1.1) / 0x86 (5), which aedes derives from returnCode 4.
    done(Object.assign(new Error('bad user name or password'), { returnCode: 4 }), false);
  };
  const broker = await Aedes.createBroker(users === undefined ? {} : { authenticate: authenticate as never });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    broker.handle(socket as never);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => broker.close(() => resolve()));
      }),
  };
}
