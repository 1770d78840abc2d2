// Which peer the headline compares Sluice with: Sluice fdatasyncs before every acks=-1 answer, so
// the like-for-like peers are those whose acknowledgement also waits for an fsync; the fastest
// of them is the headline, and the others are context, each labelled with its durability.
// Shared by bench/run.mjs (which writes `durability` into each peer's row) and bench/report.mjs.

/**
 * The peers of `results.peers` in the order the report lists them: the key, a row label and
 * the goal (Sluice's records/s as a multiple of the peer's) the targets set for that peer's
 * family, or null where none was set.
 */
export const PEERS = [
  { key: 'redisAlways', label: 'Redis Streams XADD, 100 B, pipeline 1000, appendfsync always', goal: 4 },
  { key: 'redis', label: 'Redis Streams XADD, 100 B, pipeline 1000, appendfsync everysec', goal: 4 },
  { key: 'rabbitmq', label: 'RabbitMQ stream publish, 100 B, 10,000 pending confirms', goal: null },
  { key: 'nats', label: 'NATS JetStream publish, 100 B, 1000 pending acks', goal: 8 },
];

/**
 * `peer.durability` ({ fsyncBeforeAck, text }), or for rows written before that field what the
 * settings of those runs meant: Redis with appendfsync everysec, NATS JetStream at its default
 * sync interval. Null for a skipped or unknown row.
 */
export function peerDurability(key, peer) {
  if (!peer || peer.skipped) return null;
  if (peer.durability) return peer.durability;
  if (key === 'redis' && peer.settings?.appendfsync === 'everysec') return { fsyncBeforeAck: false, text: 'appendfsync everysec: AOF fsynced once a second, after the reply' };
  if (key === 'nats') return { fsyncBeforeAck: false, text: 'syncs every 2 min by default (sync_interval), not per acknowledgement' };
  return null;
}

/**
 * The measured peer with an fsync before each acknowledgement and the most records/s, as
 * { key, label, goal, peer }, or null when this run measured none.
 */
export function likeForLikePeer(peers = {}) {
  let best = null;
  for (const p of PEERS) {
    const peer = peers[p.key];
    if (!peerDurability(p.key, peer)?.fsyncBeforeAck || !(peer.recordsPerSec > 0)) continue;
    if (best === null || peer.recordsPerSec > best.peer.recordsPerSec) best = { ...p, peer };
  }
  return best;
}

/**
 * A note on what limited a peer's row: with `bottleneck` 'client', that the server used
 * `brokerCpuCores` (cores) while the client used `clientCpuCores`, so the row measures the
 * client; else the two CPU figures alone; '' when the row has neither.
 */
export function cpuNote(peer) {
  if (!peer || peer.skipped || typeof peer.clientCpuCores !== 'number') return '';
  const cores = (v) => (typeof v === 'number' ? v.toFixed(2) : '-');
  const figures = `server ${cores(peer.brokerCpuCores)} of a core, client ${cores(peer.clientCpuCores)}`;
  return peer.bottleneck === 'client' ? `${figures}: the client was the bottleneck, not the server` : figures;
}
