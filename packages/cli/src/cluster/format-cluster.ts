import type { BrokerLogDirs, ClusterDescription } from '@sluice/client';
import { errorInfo } from '@sluice/protocol';
import { formatTable } from '../output/table.js';
import type { ClusterStatus, PartitionProblem } from './cluster-status.js';

/** `Cluster ID: …` and `Controller: …` lines; a missing id or controller reads "(none)". */
function clusterHeader(clusterId: string | null, controllerId: number): string {
  return `Cluster ID: ${clusterId ?? '(none)'}\nController: ${controllerId < 0 ? '(none)' : controllerId}\n`;
}

/** A problem-partition section: a title with the count, then a table or "none". */
function problemSection(title: string, problems: readonly PartitionProblem[]): string {
  if (problems.length === 0) return `${title}: none\n`;
  const rows = problems.map((p) => [p.topic, p.partition, p.leader, p.replicas.join(',') || '-', p.isr.join(',') || '-', p.errorCode === 0 ? '-' : errorInfo(p.errorCode).name]);
  return `${title}: ${problems.length}\n` + formatTable(['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'ERROR'], rows);
}

/**
 * The text of `sluice cluster status`: header, one row per broker (a broker holding replicas
 * but not live shows "(not live)"), then the under-replicated and offline partitions.
 */
export function formatClusterStatus(status: ClusterStatus): string {
  const rows = status.brokers.map((b) => [
    b.nodeId,
    b.isLive ? `${b.host}:${b.port}` : '(not live)',
    b.rack ?? '-',
    b.isController ? 'yes' : '-',
    b.leaderPartitions,
    b.replicaPartitions,
  ]);
  return (
    clusterHeader(status.clusterId, status.controllerId) +
    `Brokers: ${status.brokers.filter((b) => b.isLive).length}  Topics: ${status.topicCount}  Partitions: ${status.partitionCount}  ` +
    `Under-replicated: ${status.underReplicated.length}  Offline: ${status.offline.length}\n\n` +
    formatTable(['BROKER', 'HOST:PORT', 'RACK', 'CONTROLLER', 'LEADER-PARTITIONS', 'REPLICA-PARTITIONS'], rows) +
    '\n' +
    problemSection('Under-replicated partitions', status.underReplicated) +
    problemSection('Offline partitions', status.offline)
  );
}

/** The text of `sluice cluster info`: the CLI version, cluster id, controller and live brokers. */
export function formatClusterInfo(description: ClusterDescription, version: string): string {
  const rows = description.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`, b.rack ?? '-', b.nodeId === description.controllerId ? 'yes' : '-']);
  return `Sluice CLI version: ${version}\n` + clusterHeader(description.clusterId, description.controllerId) + '\n' + formatTable(['BROKER', 'HOST:PORT', 'RACK', 'CONTROLLER'], rows);
}

/**
 * The text of `sluice cluster log-dirs`: per broker and directory a `Broker N: PATH` line (with
 * the error name when the directory is offline), then TOPIC PARTITION SIZE OFFSET-LAG FUTURE
 * (SIZE in bytes), or "no partition logs".
 */
export function formatLogDirs(brokers: readonly BrokerLogDirs[]): string {
  const sections: string[] = [];
  for (const b of brokers) {
    for (const dir of b.logDirs) {
      const title = `Broker ${b.brokerId}: ${dir.path}${dir.errorCode === 0 ? '' : ` (${errorInfo(dir.errorCode).name})`}\n`;
      const rows = dir.replicas.map((r) => [r.topic, r.partition, r.sizeInBytes, r.offsetLag, r.isFuture ? 'yes' : '-']);
      sections.push(title + (rows.length === 0 ? 'no partition logs\n' : formatTable(['TOPIC', 'PARTITION', 'SIZE', 'OFFSET-LAG', 'FUTURE'], rows)));
    }
  }
  return sections.join('\n');
}
