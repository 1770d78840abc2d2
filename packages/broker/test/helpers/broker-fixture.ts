import { startBroker, type RunningBroker } from '@sluice/broker';
import type { Logger } from 'pino';
import { tempDir } from './temp-dir.js';

/** An in-process broker on 127.0.0.1 and an ephemeral port, with its own temp data dir. */
export interface TestBroker extends RunningBroker {
  readonly dataDir: string;
  /** Closes the broker and deletes its data directory. */
  stop(): Promise<void>;
}

/** Starts a broker for a test; `config` overrides broker keys. Always pair with `stop()`. */
export async function startTestBroker(
  config: Record<string, string | number | boolean> = {},
  dataDir?: string,
  logger: Logger | false = false,
): Promise<TestBroker> {
  const dir = dataDir === undefined ? await tempDir() : undefined;
  const path = dataDir ?? dir!.path;
  const running = await startBroker({ dataDir: path, host: '127.0.0.1', port: 0, logger, config });
  return {
    ...running,
    dataDir: path,
    async stop() {
      await running.close();
      await dir?.remove();
    },
  };
}
