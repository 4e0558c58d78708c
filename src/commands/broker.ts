/** `mqtt-tool broker`: the embedded broker in the foreground until Ctrl-C. */
import { loadEmbeddedBroker } from '../broker/load.js';
import { onInterrupt } from '../io/signals.js';
import { urlHost } from '../protocol/endpoint.js';

export interface BrokerFlags {
  port: number;
  host: string;
}

export async function runBroker(flags: BrokerFlags): Promise<void> {
  const { startEmbeddedBroker } = await loadEmbeddedBroker();
  const broker = await startEmbeddedBroker({ host: flags.host, port: flags.port });
  process.stderr.write(`mqtt-tool: embedded broker (aedes 2, MQTT 5 and 3.1.1) listening on mqtt://${urlHost(broker.host)}:${broker.port}; Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    const dispose = onInterrupt(() => {
      dispose();
      resolve();
    });
  });
  await broker.close();
  process.stderr.write('mqtt-tool: embedded broker stopped\n');
}
