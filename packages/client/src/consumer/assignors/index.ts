/** The built-in assignors by wire name, and the consumer protocol bytes. */
import type { PartitionAssignor } from './assignor.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './roundrobin.js';

export * from './assignor.js';
export * from './consumer-protocol.js';
export { rangeAssignor } from './range.js';
export { roundRobinAssignor } from './roundrobin.js';

/** Names of the built-in assignors, as Java and librdkafka spell them. */
export type AssignorName = 'range' | 'roundrobin';

/** The built-in assignor named `name`; throws TypeError for another name. */
export function assignorByName(name: AssignorName): PartitionAssignor {
  if (name === 'range') return rangeAssignor;
  if (name === 'roundrobin') return roundRobinAssignor;
  throw new TypeError(`unknown assignor "${String(name)}": use range or roundrobin`);
}
