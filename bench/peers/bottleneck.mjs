// Which side limited a peer's throughput, from the CPU each side used over the run. A server that
// used well under a core while its client kept a core busy was waiting on the client, so the
// row measures the client library, not the server (as NATS JetStream with nats.js did).

/** A side busier than this share of a core (cores, 0-1 per core) counts as saturated. */
export const BUSY_CORES = 0.8;
/** A server below this share of a core (cores) while the client is saturated was not the limit. */
export const IDLE_SERVER_CORES = 0.5;

/**
 * 'client' when the server used under IDLE_SERVER_CORES while the client used at least
 * BUSY_CORES; 'server' when the server used at least BUSY_CORES; 'neither' otherwise (both
 * waited, e.g. on fsync or on each other); null when a figure is missing. Inputs in cores.
 */
export function bottleneck({ serverCpuCores, clientCpuCores }) {
  if (typeof serverCpuCores !== 'number') return null;
  if (serverCpuCores >= BUSY_CORES) return 'server';
  if (typeof clientCpuCores !== 'number') return null;
  if (serverCpuCores < IDLE_SERVER_CORES && clientCpuCores >= BUSY_CORES) return 'client';
  return 'neither';
}

/** Cores busy (1 = one core) from CPU ms over wall ms, 3 decimals; null when either is missing. */
export function coresBusy(cpuMs, wallMs) {
  if (typeof cpuMs !== 'number' || !(wallMs > 0)) return null;
  return Math.round((cpuMs / wallMs) * 1000) / 1000;
}
