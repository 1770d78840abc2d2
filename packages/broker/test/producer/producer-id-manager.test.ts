import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalProducerIdBlockStore, ProducerIdManager, type ProducerIdBlockStore } from '../../src/producer/producer-id-manager.js';
import { tempDir } from '../helpers/temp-dir.js';

const tmp = { dir: '', remove: async () => {} };
beforeEach(async () => {
  const made = await tempDir();
  tmp.dir = made.path;
  tmp.remove = made.remove;
});
afterEach(() => tmp.remove());

describe('ProducerIdManager (KIP-98 producer ids in blocks)', () => {
  it('hands out distinct ids to concurrent callers with one block claim', async () => {
    let claims = 0;
    const store: ProducerIdBlockStore = {
      claimBlock: async (size) => ({ firstProducerId: 1000 * claims++, size }),
    };
    const manager = new ProducerIdManager(store, 10);
    const ids = await Promise.all(Array.from({ length: 25 }, () => manager.generateProducerId()));
    expect(new Set(ids).size).toBe(25);
    expect(claims).toBe(3);
  });

  it('never hands out an id twice from one data directory, across restarts that cut a block short', async () => {
    const seen = new Set<number>();
    for (let restart = 0; restart < 3; restart++) {
      const manager = new ProducerIdManager(new LocalProducerIdBlockStore(tmp.dir), 5);
      for (let i = 0; i < 7; i++) {
        const id = await manager.generateProducerId();
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    expect(Math.min(...seen)).toBe(0);
  });

  it('rejects while the block file cannot be written, and recovers when it can', async () => {
    let fail = true;
    const inner = new LocalProducerIdBlockStore(tmp.dir);
    const store: ProducerIdBlockStore = {
      claimBlock: (size) => (fail ? Promise.reject(new Error('EIO')) : inner.claimBlock(size)),
    };
    const manager = new ProducerIdManager(store, 5);
    await expect(manager.generateProducerId()).rejects.toThrow('EIO');
    fail = false;
    expect(await manager.generateProducerId()).toBe(0);
  });
});
