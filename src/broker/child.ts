/**
 * The embedded broker as its own process, for `bench --embedded`: the broker's
 * work must not land on the load generator's event loop or in its CPU figures.
 * Reports its port to the parent over IPC and stops when the parent says so or goes away.
 */
import { startEmbeddedBroker } from './embedded.js';

const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
process.send?.({ port: broker.port });
const stop = async (): Promise<void> => {
  await broker.close();
  process.exit(0);
};
process.on('message', () => void stop());
process.on('disconnect', () => void stop());
