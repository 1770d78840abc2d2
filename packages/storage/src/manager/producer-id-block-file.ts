// msgpackr's pure-JavaScript entry, as topic-metadata.ts (start-up time).
import { pack, unpack } from 'msgpackr/pack';
import { readWholeFile, writeFileAtomic } from '../io/disk.js';

/** File name of the producer id allocation in the data directory. */
export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block.msgpack';
const VERSION = 1;

/**
 * `<data-dir>/producer-id-block.msgpack`: msgpackr of `{ version: 1, nextBlockStart }`, the
 * first producer id no block has been handed out from yet. A block is claimed by writing the
 * advanced value durably (tmp, fdatasync, rename, directory fsync) before any id of it is used,
 * so producer ids stay unique across restarts and kill -9 (ids of a block cut short by a restart
 * are skipped, never reused). Returns 0 when the file does not exist.
 *
 * @throws Error for a file of another version; KafkaStorageError (→ 56) on I/O failure.
 */
export async function readNextProducerIdBlockStart(filePath: string): Promise<number> {
  const data = await readWholeFile(filePath);
  if (data === null) return 0;
  const decoded = unpack(data) as { version?: unknown; nextBlockStart?: unknown };
  if (decoded?.version !== VERSION || !Number.isSafeInteger(decoded.nextBlockStart) || (decoded.nextBlockStart as number) < 0) {
    throw new Error(`unsupported producer id block file ${filePath}`);
  }
  return decoded.nextBlockStart as number;
}

/** Writes the next block start durably (see {@link readNextProducerIdBlockStart}). */
export async function writeNextProducerIdBlockStart(filePath: string, nextBlockStart: number): Promise<void> {
  await writeFileAtomic(filePath, pack({ version: VERSION, nextBlockStart }));
}
