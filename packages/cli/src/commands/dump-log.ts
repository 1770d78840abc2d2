import { basename } from 'node:path';
import { decodeRecordBatch, DELETE_HORIZON_FLAG_MASK, formatCompressionType, type RecordBatchView } from '@sluice/protocol';
import type { Argv, CommandModule } from 'yargs';
import { CliError } from '../client/cli-error.js';
import { describeOffsetsRecord } from '../dump-log/offsets-decoder.js';
import { readSegment } from '../dump-log/segment-reader.js';
import { writeOut } from '../output/write-out.js';

interface DumpLogArgs {
  segment: string;
  'print-data': boolean;
  'offsets-decoder': boolean;
}

/**
 * `sluice dump-log <segment.log>` (Kafka `kafka-dump-log.sh` / `DumpLogSegments`): one line per
 * batch with baseOffset, lastOffset, count, position, size, codec, timestamps, producer fields
 * and whether its CRC is valid; with `--print-data` one line per record with key and payload;
 * with `--offsets-decoder` (a `__consumer_offsets` segment) the keys and payloads decoded as
 * committed offsets and group metadata (see offsets-decoder.ts).
 * On a compacted segment, offsets have gaps (count < lastOffset - baseOffset + 1, and between
 * batches; the summary counts them) and a batch may be empty or carry a delete horizon (KIP-534).
 * Damaged bytes (a batch whose framing is broken) are reported as a range and the walk goes on
 * at the next valid batch after them, as recovery does. Exits 1 (after printing everything it
 * could) when a batch is invalid, a range is damaged or the tail is torn.
 */
export const dumpLogCommand: CommandModule<object, DumpLogArgs> = {
  command: 'dump-log <segment>',
  describe: 'Print the batches (and records) of a segment file, checking every CRC',
  builder: (yargs: Argv) =>
    yargs
      .positional('segment', { type: 'string', demandOption: true, describe: 'A .log segment file (<data-dir>/<topic>-<partition>/<baseOffset>.log)' })
      .option('print-data', { type: 'boolean', default: false, describe: 'Also print every record: offset, timestamp, key, headers, payload' })
      .option('offsets-decoder', {
        type: 'boolean',
        default: false,
        describe: 'Decode records of a __consumer_offsets segment as committed offsets and group metadata (implies --print-data)',
      })
      .example('$0 dump-log data/logs-0/00000000000000000000.log', 'Batches of the first segment of logs-0')
      .example('$0 dump-log data/logs-0/00000000000000000000.log --print-data | less', 'With every record')
      .example('$0 dump-log data/__consumer_offsets-12/00000000000000000000.log --offsets-decoder', 'Committed offsets and group metadata') as Argv<DumpLogArgs>,
  handler: async (args) => {
    const path = args.segment;
    const name = basename(path);
    const startingOffset = /^\d{20}\.log$/.test(name) ? String(Number(name.slice(0, 20))) : 'unknown (not named <baseOffset>.log)';
    let out = `Dumping ${path}\nLog starting offset: ${startingOffset}\n`;
    let batches = 0;
    let records = 0;
    let firstOffset = -1;
    let lastOffset = -1;
    const problems: string[] = [];
    for await (const entry of readSegment(path)) {
      if (entry.kind === 'damaged') {
        const bytes = entry.endPosition - entry.position;
        out += `Found ${bytes} damaged bytes at positions ${entry.position}-${entry.endPosition} (${entry.failure}); resynchronised at the batch at position ${entry.endPosition}\n`;
        problems.push(`${entry.failure} at position ${entry.position} (${bytes} bytes)`);
        continue;
      }
      if (entry.kind === 'invalid') {
        const what = entry.failure === 'truncated' ? 'a truncated batch (torn write; recovery truncates it)' : `no batch (${entry.failure})`;
        out += `Found ${entry.bytesLeft} invalid bytes at position ${entry.position}: ${what}\n`;
        problems.push(`${entry.failure} at position ${entry.position}`);
        break;
      }
      const b = entry.batch;
      batches++;
      records += b.recordsCount;
      if (firstOffset < 0) firstOffset = b.baseOffset;
      lastOffset = b.lastOffset;
      out += `${describeBatch(b, entry.position)} crc: ${entry.storedCrc} isvalid: ${entry.crcValid}${entry.crcValid ? '' : ` (computed crc ${entry.computedCrc})`}\n`;
      if (!entry.crcValid) problems.push(`bad-crc at position ${entry.position}`);
      if (args['print-data'] || args['offsets-decoder']) out += await describeRecords(b, args['offsets-decoder']);
      if (out.length > 1 << 16) {
        if (!(await writeOut(out))) return;
        out = '';
      }
    }
    // A compacted segment (log cleaner) keeps offsets: the records it removed leave gaps.
    const gaps = batches > 0 ? lastOffset - firstOffset + 1 - records : 0;
    out += `Summary: ${batches} batches, ${records} records${batches > 0 ? `, offsets ${firstOffset}-${lastOffset}` : ''}${gaps > 0 ? `, ${gaps} offsets without a record (compacted)` : ''}, ${problems.length} invalid\n`;
    await writeOut(out);
    if (problems.length > 0) throw new CliError(`${path}: ${problems.length} invalid (${problems.join('; ')})`);
  },
};

function describeBatch(b: RecordBatchView, position: number): string {
  const lastSequence = b.baseSequence < 0 ? -1 : b.baseSequence + b.lastOffsetDelta;
  return (
    `baseOffset: ${b.baseOffset} lastOffset: ${b.lastOffset} count: ${b.recordsCount} position: ${position} size: ${b.sizeInBytes} magic: ${b.magic}` +
    ` compresscodec: ${formatCompressionType(b.compression)} ${b.timestampType}: ${b.maxTimestamp} baseTimestamp: ${b.baseTimestamp}` +
    ` producerId: ${b.producerId} producerEpoch: ${b.producerEpoch} baseSequence: ${b.baseSequence} lastSequence: ${lastSequence}` +
    ` partitionLeaderEpoch: ${b.partitionLeaderEpoch} isTransactional: ${b.isTransactional} isControl: ${b.isControl}` +
    // KIP-534: the log cleaner stamps a batch holding tombstones with their delete horizon (in baseTimestamp).
    ` deleteHorizonMs: ${(b.attributes & DELETE_HORIZON_FLAG_MASK) !== 0 ? b.baseTimestamp : 'none'}`
  );
}

async function describeRecords(b: RecordBatchView, offsetsDecoder: boolean): Promise<string> {
  try {
    const decoded = await decodeRecordBatch(b.buffer, b.position);
    return decoded
      .map((r) => {
        const { key, payload } = offsetsDecoder
          ? describeOffsetsRecord(r.key, r.value)
          : { key: r.key === null ? 'null' : r.key.toString('utf8'), payload: r.value === null ? 'null' : r.value.toString('utf8') };
        return (
          `| offset: ${r.offset} ${b.timestampType}: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1}` +
          ` headerKeys: [${r.headers.map((h) => h.key).join(',')}] key: ${key} payload: ${payload}\n`
        );
      })
      .join('');
  } catch (error) {
    return `| records not decodable: ${(error as Error).message}\n`;
  }
}
