import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Overwrites the first occurrence of `needle` in the partition's segment file with `replacement`
 * (same length, so every length field stays right and the record still decodes), the way data
 * altered at rest looks after the broker checked and acknowledged it: only the batch's CRC-32C
 * tells. `partitionDir` is `<dataDir>/<topic>-<partition>` holding one `.log` segment. Returns the
 * byte position written. Throws when the segment or the needle is missing, or the lengths differ.
 */
export async function alterSegmentBytes(partitionDir: string, needle: string, replacement: string): Promise<number> {
  if (Buffer.byteLength(needle) !== Buffer.byteLength(replacement)) throw new RangeError(`"${replacement}" must be as long as "${needle}"`);
  const segment = (await readdir(partitionDir)).find((f) => f.endsWith('.log'));
  if (segment === undefined) throw new Error(`no .log segment in ${partitionDir}`);
  const logFile = join(partitionDir, segment);
  const at = (await readFile(logFile)).indexOf(needle);
  if (at < 0) throw new Error(`"${needle}" is not in ${logFile}`);
  const file = await open(logFile, 'r+');
  try {
    await file.write(Buffer.from(replacement), 0, Buffer.byteLength(replacement), at);
  } finally {
    await file.close();
  }
  return at;
}
