import path from 'node:path';

/** Suffix of a segment's log file (RecordBatch v2 bytes). */
export const LOG_FILE_SUFFIX = '.log';
/** Suffix of a segment's sparse offset index. */
export const INDEX_FILE_SUFFIX = '.index';
/** Suffix of a segment's sparse time index. */
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
/** Appended to the files of a segment deleted by retention until they are unlinked (Kafka). */
export const DELETED_FILE_SUFFIX = '.deleted';

/** A segment file name's stem: the baseOffset zero-padded to 20 digits (Kafka `LogFileUtils`). */
export function segmentFileStem(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

/** Path of `<dir>/<20-digit baseOffset><suffix>`. */
export function segmentFilePath(dir: string, baseOffset: number, suffix: string): string {
  return path.join(dir, segmentFileStem(baseOffset) + suffix);
}

/** The baseOffset of a file named `<20 digits><suffix>`, or null for any other name. */
export function parseSegmentFileName(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix)) return null;
  const stem = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(stem)) return null;
  const n = Number(stem);
  return Number.isSafeInteger(n) ? n : null;
}
