import { describe, expect, it } from 'vitest';
import { MAX_ERROR_SCAN_NODES, responseErrorNames } from '../../src/router/request-log.js';

describe('responseErrorNames', () => {
  it('is empty when every errorCode is 0', () => {
    expect(responseErrorNames({ errorCode: 0, topics: [{ errorCode: 0, partitions: [{ errorCode: 0 }] }] })).toEqual([]);
  });

  it('names the distinct non-zero codes at the top level, per topic and per partition, in the order met', () => {
    const response = {
      errorCode: 0,
      responses: [
        { name: 'a', partitionResponses: [{ index: 0, errorCode: 0 }, { index: 1, errorCode: 6 }, { index: 2, errorCode: 6 }] },
        { name: 'b', errorCode: 3, partitionResponses: [{ index: 0, errorCode: 87 }] },
      ],
    };
    expect(responseErrorNames(response)).toEqual(['NOT_LEADER_OR_FOLLOWER(6)', 'UNKNOWN_TOPIC_OR_PARTITION(3)', 'INVALID_RECORD(87)']);
  });

  it('never enters record data and names a code it does not know', () => {
    const records = Buffer.alloc(64);
    Object.assign(records, { errorCode: 5 });
    expect(responseErrorNames({ partitions: [{ errorCode: 0, records, chunks: [records] }] })).toEqual([]);
    expect(responseErrorNames({ errorCode: 9999 })).toEqual(['UNKNOWN_ERROR_9999(9999)']);
  });

  it('stops after MAX_ERROR_SCAN_NODES nodes', () => {
    const partitions = Array.from({ length: MAX_ERROR_SCAN_NODES + 10 }, () => ({ errorCode: 0 }));
    partitions.push({ errorCode: 3 });
    expect(responseErrorNames({ partitions })).toEqual([]);
  });
});
