import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// Plain JavaScript modules of the peers benchmark (bench/peers/), imported as npm run bench does.
const { bottleneck } = (await import(pathToFileURL(`${process.cwd()}/bench/peers/bottleneck.mjs`).href)) as {
  bottleneck: (x: { serverCpuCores?: number | null; clientCpuCores?: number | null }) => string | null;
};
const { likeForLikePeer } = (await import(pathToFileURL(`${process.cwd()}/bench/peers/compare.mjs`).href)) as {
  likeForLikePeer: (peers: Record<string, unknown>) => { key: string } | null;
};

describe('peer comparison (bench/peers)', () => {
  it('names the client the bottleneck only when the server idled under half a core while the client kept a core busy', () => {
    expect(bottleneck({ serverCpuCores: 0.23, clientCpuCores: 0.95 })).toBe('client');
    expect(bottleneck({ serverCpuCores: 0.98, clientCpuCores: 0.1 })).toBe('server');
    // Both waiting (e.g. on fsync): neither side saturated.
    expect(bottleneck({ serverCpuCores: 0.3, clientCpuCores: 0.2 })).toBe('neither');
    expect(bottleneck({ serverCpuCores: 0.6, clientCpuCores: 0.95 })).toBe('neither');
    expect(bottleneck({ serverCpuCores: 0.3, clientCpuCores: null })).toBeNull();
    expect(bottleneck({ serverCpuCores: null, clientCpuCores: 0.9 })).toBeNull();
  });

  it('picks the fastest measured peer with an fsync before each acknowledgement', () => {
    const fsync = { fsyncBeforeAck: true, text: 'fsync' };
    const lazy = { fsyncBeforeAck: false, text: 'lazy' };
    expect(likeForLikePeer({ redis: { recordsPerSec: 500_000, durability: lazy }, redisAlways: { recordsPerSec: 200_000, durability: fsync }, nats: { recordsPerSec: 300_000, durability: fsync } })?.key).toBe('nats');
    expect(likeForLikePeer({ redis: { recordsPerSec: 500_000, settings: { appendfsync: 'everysec' } }, redisAlways: { skipped: true, reason: 'x' } })).toBeNull();
    expect(likeForLikePeer({})).toBeNull();
  });
});
