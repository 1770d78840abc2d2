/**
 * Segments wholly below `logStartOffset` (Kafka `deleteLogStartOffsetBreachedSegments`): the
 * oldest segments whose next segment starts at or below it, so every record they hold is below
 * the log start (DeleteRecords moved it, KIP-107). Never the active (last) segment. Applies
 * whatever the cleanup.policy.
 */
export function logStartOffsetBreached<T extends { readonly baseOffset: number }>(segments: readonly T[], logStartOffset: number): T[] {
  const deletable: T[] = [];
  for (let i = 0; i < segments.length - 1 && segments[i + 1]!.baseOffset <= logStartOffset; i++) deletable.push(segments[i]!);
  return deletable;
}
