import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '@sluice/broker';
import { SluiceClient } from '@sluice/client';

/** An in-process broker on 127.0.0.1 (port 0, temp dir, no logs) and a client of it. */
export interface CliTestBroker {
  readonly running: RunningBroker;
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly client: SluiceClient;
  stop(): Promise<void>;
}

/** Starts a broker for a CLI test; always pair with `stop()`, which removes its data. */
export async function startCliTestBroker(config: Record<string, string | number | boolean> = {}): Promise<CliTestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-cli-test-'));
  const running = await startBroker({ dataDir, host: '127.0.0.1', port: 0, logger: false, config: { 'group.initial.rebalance.delay.ms': 0, ...config } });
  return {
    running,
    bootstrap: running.bootstrap,
    dataDir,
    client: new SluiceClient({ bootstrapServers: [running.bootstrap], clientId: 'cli-test' }),
    async stop() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
