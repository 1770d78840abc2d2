import type { PartitionState } from './metadata-store.js';

/**
 * The controller's decision for one partition after the set of live brokers changed (Kafka
 * `PartitionStateMachine` + `Election.leaderForOffline`, ZooKeeper era), or null when the
 * state stands.
 *
 * - Leader live: replicas on dead brokers leave the ISR (Kafka's controller does so on broker
 *   failure), so neither the high watermark nor `min.insync.replicas` waits
 *   `replica.lag.time.max.ms` for a broker that is gone. The leader itself always stays.
 * - Leader dead (or none): the first replica in assignment order that is live and in the ISR
 *   leads, with the leader epoch bumped; the ISR keeps only live members. An ISR member has
 *   every committed record (acks=-1 waits for each member's fdatasync), so no committed record
 *   is lost.
 * - No live ISR member: the partition goes offline (leader -1, epoch bumped, ISR kept as it was,
 *   so its members are the ones that may lead when they return), unless
 *   `uncleanLeaderElection` lets any live replica lead (ISR = it alone; records only the old ISR
 *   had are lost, which is what unclean means).
 *
 * `partitionEpoch` goes up on every change (KIP-631), so compare-and-swap writers see it.
 */
export function electPartitionState(
  state: PartitionState,
  replicas: readonly number[],
  live: ReadonlySet<number>,
  uncleanLeaderElection: boolean,
): PartitionState | null {
  const next = (leader: number, leaderEpoch: number, isr: readonly number[]): PartitionState => ({ leader, leaderEpoch, isr: [...isr], partitionEpoch: state.partitionEpoch + 1 });
  if (state.leader >= 0 && live.has(state.leader)) {
    const isr = state.isr.filter((r) => r === state.leader || live.has(r));
    return isr.length === state.isr.length ? null : next(state.leader, state.leaderEpoch, isr);
  }
  const candidate = replicas.find((r) => live.has(r) && state.isr.includes(r));
  if (candidate !== undefined) return next(candidate, state.leaderEpoch + 1, state.isr.filter((r) => live.has(r)));
  if (uncleanLeaderElection) {
    const any = replicas.find((r) => live.has(r));
    if (any !== undefined) return next(any, state.leaderEpoch + 1, [any]);
  }
  return state.leader === -1 ? null : next(-1, state.leaderEpoch + 1, state.isr);
}

/**
 * Preferred-leader rebalancing (Kafka `KafkaController.checkAndTriggerAutoLeaderRebalance`): for
 * each broker, the partitions whose preferred leader (first replica) it is but which another
 * broker leads; when their share of its preferred partitions exceeds `imbalancePercentage`, each
 * of them whose preferred leader is live and in the ISR moves back to it, leader epoch bumped.
 * Returns the new states by partition key (`partitionStates` keys), for compare-and-swap writes.
 */
export function preferredLeaderMoves(
  partitions: ReadonlyMap<string, { readonly replicas: readonly number[]; readonly state: PartitionState }>,
  live: ReadonlySet<number>,
  imbalancePercentage: number,
): Map<string, PartitionState> {
  const preferredOf = new Map<number, { total: number; misplaced: string[] }>();
  for (const [key, { replicas, state }] of partitions) {
    const preferred = replicas[0];
    if (preferred === undefined) continue;
    let entry = preferredOf.get(preferred);
    if (entry === undefined) preferredOf.set(preferred, (entry = { total: 0, misplaced: [] }));
    entry.total++;
    if (state.leader !== preferred) entry.misplaced.push(key);
  }
  const moves = new Map<string, PartitionState>();
  for (const [broker, { total, misplaced }] of preferredOf) {
    if (!live.has(broker) || misplaced.length * 100 <= imbalancePercentage * total) continue;
    for (const key of misplaced) {
      const { state } = partitions.get(key)!;
      if (!state.isr.includes(broker)) continue;
      moves.set(key, { leader: broker, leaderEpoch: state.leaderEpoch + 1, isr: [...state.isr], partitionEpoch: state.partitionEpoch + 1 });
    }
  }
  return moves;
}
