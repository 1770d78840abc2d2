import { type BrokerProcess, spawnBroker } from './broker-process.js';
import { type EtcdProcess, startEtcd } from './etcd-process.js';
import { tempDir } from './temp-dir.js';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Node ids of the brokers to start (default 1, 2, 3). */
  readonly nodeIds?: readonly number[];
  /** `etcd.lease.ttl.ms` of every broker (default 2000: the shortest etcd grants). */
  readonly leaseTtlMs?: number;
  /** More `sluice broker` arguments for every broker. */
  readonly extraArgs?: readonly string[];
  /**
   * Give every broker loopback addresses of its own, so a test can cut links by address
   * ({@link LinkCutter}): broker N listens on `127.0.1.N` (and its connections to leaders leave
   * from there: `replica.socket.local.address`) and reaches etcd at `127.0.2.N` (etcd listens
   * there too). Default false: everything on 127.0.0.1.
   */
  readonly ownAddresses?: boolean;
}

/** Broker N's listener (and replication source) address with `ownAddresses`. */
export const brokerHost = (nodeId: number) => `127.0.1.${nodeId}`;
/** The address broker N reaches etcd at with `ownAddresses`. */
export const etcdHostFor = (nodeId: number) => `127.0.2.${nodeId}`;

/** One broker of a test cluster: its process (replaced on restart), data directory and port. */
export interface ClusterBroker {
  readonly nodeId: number;
  /** The address it listens on (127.0.0.1 unless the cluster has `ownAddresses`). */
  readonly host: string;
  readonly dataDir: string;
  /** The port it listens on; kept across restarts so clients' metadata stays right. */
  readonly port: number;
  process: BrokerProcess | null;
}

/**
 * A test cluster: one throwaway etcd and `sluice broker` processes with their own data
 * directories on 127.0.0.1 (or loopback addresses of their own: `ownAddresses`), each able to be killed with SIGKILL and restarted on its port.
 * Always pair with `stop()`, which kills everything and deletes every directory.
 */
export interface TestCluster {
  readonly etcd: EtcdProcess;
  readonly brokers: Map<number, ClusterBroker>;
  /** `host:port` of every broker that runs. */
  bootstrap(): string[];
  /** The broker's arguments (for a test starting one by hand, e.g. a duplicate node id). */
  argsFor(nodeId: number): string[];
  /** kill -9; resolves once it has exited. */
  kill(nodeId: number): Promise<void>;
  /**
   * SIGTERM (a clean shutdown: controlled shutdown hands its leaderships over first); resolves
   * with its exit code once it has exited, or rejects (after SIGKILL) if it has not within `timeoutMs`.
   */
  terminate(nodeId: number, timeoutMs?: number): Promise<number | string>;
  /** Starts it again on its data directory and port; resolves once it is ready (registered). */
  restart(nodeId: number): Promise<BrokerProcess>;
  stop(): Promise<void>;
}

/** Starts etcd, then the brokers one after another (each ready = registered in etcd). */
export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const nodeIds = options.nodeIds ?? [1, 2, 3];
  const leaseTtlMs = options.leaseTtlMs ?? 2000;
  const own = options.ownAddresses === true;
  const etcd = await startEtcd(15_000, own ? nodeIds.map(etcdHostFor) : []);
  const root = await tempDir('sluice-cluster-');
  const brokers = new Map<number, ClusterBroker>();
  const hostOf = (nodeId: number) => (own ? brokerHost(nodeId) : '127.0.0.1');
  const argsFor = (nodeId: number) => [
    '--node-id', String(nodeId),
    '--etcd', own ? `http://${etcdHostFor(nodeId)}:${etcd.clientPort}` : etcd.endpoint,
    ...(own ? ['--host', hostOf(nodeId), '--override', `replica.socket.local.address=${hostOf(nodeId)}`] : []),
    '--override', `etcd.lease.ttl.ms=${leaseTtlMs}`,
    ...(options.extraArgs ?? []),
  ];
  const cluster: TestCluster = {
    etcd,
    brokers,
    bootstrap: () => [...brokers.values()].filter((b) => b.process !== null).map((b) => `${b.host}:${b.port}`),
    argsFor,
    async kill(nodeId) {
      const broker = brokers.get(nodeId)!;
      const running = broker.process;
      if (running === null) return;
      running.child.kill('SIGKILL');
      await running.exited;
      broker.process = null;
    },
    async terminate(nodeId, timeoutMs = 20_000) {
      const broker = brokers.get(nodeId)!;
      const running = broker.process;
      if (running === null) throw new Error(`broker ${nodeId} is not running`);
      running.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      const code = await Promise.race([running.exited, timedOut]);
      clearTimeout(timer);
      if (code === 'timeout') {
        running.child.kill('SIGKILL');
        await running.exited;
      }
      broker.process = null;
      if (code === 'timeout') throw new Error(`broker ${nodeId} did not exit within ${timeoutMs} ms of SIGTERM`);
      return code;
    },
    async restart(nodeId) {
      const broker = brokers.get(nodeId)!;
      broker.process = await spawnBroker(broker.dataDir, argsFor(nodeId), 20_000, { port: broker.port });
      return broker.process;
    },
    async stop() {
      for (const broker of brokers.values()) {
        broker.process?.child.kill('SIGKILL');
        await broker.process?.exited;
        broker.process = null;
      }
      await etcd.stop();
      await root.remove();
    },
  };
  try {
    for (const nodeId of nodeIds) {
      const dataDir = `${root.path}/broker-${nodeId}`;
      const process = await spawnBroker(dataDir, argsFor(nodeId), 20_000);
      brokers.set(nodeId, { nodeId, host: hostOf(nodeId), dataDir, port: process.port, process });
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
