import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Controller, RECAMPAIGN_DELAY_MS } from '../../src/cluster/controller.js';
import type { CampaignHandlers, ClusterSnapshot, MetadataStore } from '../../src/cluster/metadata-store.js';

/** A store that only campaigns: each campaign's handlers are kept for the test to fire. */
function campaigningStore() {
  const campaigns: { handlers: CampaignHandlers; resigned: boolean }[] = [];
  const store = {
    campaign(_nodeId: number, handlers: CampaignHandlers) {
      const entry = { handlers, resigned: false };
      campaigns.push(entry);
      return {
        resign: async () => {
          entry.resigned = true;
        },
      };
    },
  } as unknown as MetadataStore;
  return { store, campaigns };
}

const emptySnapshot = (): ClusterSnapshot => ({ revision: 0, brokers: new Map(), controller: null, topics: new Map(), partitions: new Map(), topicRequests: new Map() });

describe('Controller campaigns', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('replaces a lost campaign with exactly one new campaign however many errors it reports, and resigns the lost one', async () => {
    const { store, campaigns } = campaigningStore();
    const controller = new Controller(store, 1, emptySnapshot, pino({ level: 'silent' }));
    controller.start();
    expect(campaigns).toHaveLength(1);
    // etcd gone: the lease is lost, then the election watch fails, then again.
    campaigns[0]!.handlers.onLost(new Error('lease lost'));
    campaigns[0]!.handlers.onLost(new Error('circuit breaker open'));
    campaigns[0]!.handlers.onLost(new Error('circuit breaker open'));
    await vi.advanceTimersByTimeAsync(RECAMPAIGN_DELAY_MS * 3);
    expect(campaigns).toHaveLength(2);
    expect(campaigns[0]!.resigned).toBe(true);
    expect(campaigns[1]!.resigned).toBe(false);
    // The lost campaign winning late does not make this broker controller on a key it gave up.
    campaigns[0]!.handlers.onElected(5);
    expect(controller.controllerEpoch).toBeNull();
    campaigns[1]!.handlers.onElected(9);
    expect(controller.controllerEpoch).toBe(9);
    // A second outage: again one replacement, not one per error of each earlier campaign.
    campaigns[1]!.handlers.onLost(new Error('lease lost'));
    campaigns[0]!.handlers.onLost(new Error('late error of the first campaign'));
    campaigns[1]!.handlers.onLost(new Error('circuit breaker open'));
    expect(controller.controllerEpoch).toBeNull();
    await vi.advanceTimersByTimeAsync(RECAMPAIGN_DELAY_MS * 3);
    expect(campaigns).toHaveLength(3);
    await controller.close();
    expect(campaigns[2]!.resigned).toBe(true);
  });
});
