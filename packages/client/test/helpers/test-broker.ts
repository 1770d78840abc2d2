import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '@sluice/broker';
import { SluiceClient } from '@sluice/client';

/** An in-process broker on 127.0.0.1 with its own temp data dir, and a client pointed at it. */
export interface TestCluster {
  readonly broker: RunningBroker;
  readonly client: SluiceClient;
  stop(): Promise<void>;
}

/** Starts a broker for a test; always pair with `stop()`. */
export async function startTestCluster(config: Record<string, string | number | boolean> = {}): Promise<TestCluster> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-client-test-'));
  const broker = await startBroker({ dataDir, host: '127.0.0.1', port: 0, logger: false, config });
  const client = new SluiceClient({ bootstrapServers: [broker.bootstrap], clientId: 'client-test' });
  return {
    broker,
    client,
    async stop() {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
