import { CliError } from '../client/cli-error.js';

/** One line of a reset plan: where `group` should resume on a partition. */
export interface PlannedOffset {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * A reset plan as kafka-consumer-groups `--reset-offsets --export` prints it (and `--from-file`
 * reads it): no header, one partition per line, `topic,partition,offset` when the command named
 * one group, `group,topic,partition,offset` otherwise. Ends with a newline unless empty.
 */
export function formatResetPlanCsv(plan: readonly PlannedOffset[], withGroup: boolean): string {
  return plan.map((p) => (withGroup ? `${p.group},${p.topic},${p.partition},${p.offset}` : `${p.topic},${p.partition},${p.offset}`) + '\n').join('');
}

/**
 * Parses a reset plan (see {@link formatResetPlanCsv}); blank lines are skipped. Lines of three
 * fields are for `singleGroup`, which must then be given (the command named exactly one group).
 * Throws CliError naming `source` and the line for a malformed line, an offset or partition that
 * is not an integer >= 0, a three-field line without a single group, or a plan with no line.
 */
export function parseResetPlanCsv(text: string, source: string, singleGroup: string | undefined): PlannedOffset[] {
  const plan: PlannedOffset[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    const where = `${source} line ${i + 1}`;
    if (fields.length !== 3 && fields.length !== 4) throw new CliError(`${where}: expected topic,partition,offset or group,topic,partition,offset, got "${line}"`);
    if (fields.length === 3 && singleGroup === undefined) throw new CliError(`${where}: a line without a group needs exactly one group on the command line; add the group as a first column`);
    const [group, topic, partition, offset] = fields.length === 4 ? (fields as [string, string, string, string]) : [singleGroup!, ...(fields as [string, string, string])];
    if (group === '' || topic === '') throw new CliError(`${where}: empty group or topic in "${line}"`);
    if (!/^\d+$/.test(partition) || !/^\d+$/.test(offset) || !Number.isSafeInteger(Number(offset))) {
      throw new CliError(`${where}: partition and offset must be integers >= 0, got "${line}"`);
    }
    plan.push({ group, topic, partition: Number(partition), offset: Number(offset) });
  }
  if (plan.length === 0) throw new CliError(`${source} holds no offsets: expected lines of topic,partition,offset`);
  return plan;
}
