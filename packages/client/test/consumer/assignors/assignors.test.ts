import { describe, expect, it } from 'vitest';
import type { MemberSubscription, TopicPartitions } from '../../../src/consumer/assignors/index.js';
import { rangeAssignor, roundRobinAssignor } from '../../../src/consumer/assignors/index.js';

const member = (memberId: string, topics: string[], groupInstanceId: string | null = null): MemberSubscription => ({
  memberId,
  groupInstanceId,
  subscription: { topics, userData: null, ownedPartitions: [] },
});

const flat = (list: TopicPartitions[] | undefined): string[] =>
  (list ?? []).flatMap((tp) => tp.partitions.map((p) => `${tp.topic}p${p}`));

describe('the range assignor', () => {
  it('splits each topic into contiguous ranges, extras to the first members (RangeAssignor Javadoc)', () => {
    const plan = rangeAssignor.assign([member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])], new Map([['t0', 3], ['t1', 3]]));
    expect(flat(plan.get('C0'))).toEqual(['t0p0', 't0p1', 't1p0', 't1p1']);
    expect(flat(plan.get('C1'))).toEqual(['t0p2', 't1p2']);
  });

  it('assigns each topic only among its subscribers and leaves surplus members empty', () => {
    const plan = rangeAssignor.assign(
      [member('a', ['t']), member('b', ['t', 'u']), member('c', ['t'])],
      new Map([['t', 2], ['u', 4]]),
    );
    expect(flat(plan.get('a'))).toEqual(['tp0']);
    expect(flat(plan.get('b'))).toEqual(['tp1', 'up0', 'up1', 'up2', 'up3']);
    expect(plan.get('c')).toEqual([]);
  });

  it('orders static members (groupInstanceId) before dynamic ones, as Java does', () => {
    const plan = rangeAssignor.assign([member('a', ['t']), member('z', ['t'], 'instance-1')], new Map([['t', 3]]));
    expect(flat(plan.get('z'))).toEqual(['tp0', 'tp1']);
    expect(flat(plan.get('a'))).toEqual(['tp2']);
  });
});

describe('the roundrobin assignor', () => {
  it('deals sorted partitions in turn (RoundRobinAssignor Javadoc, equal subscriptions)', () => {
    const plan = roundRobinAssignor.assign([member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])], new Map([['t0', 3], ['t1', 3]]));
    expect(flat(plan.get('C0'))).toEqual(['t0p0', 't0p2', 't1p1']);
    expect(flat(plan.get('C1'))).toEqual(['t0p1', 't1p0', 't1p2']);
  });

  it('skips members not subscribed to a topic (RoundRobinAssignor Javadoc, unequal subscriptions)', () => {
    const plan = roundRobinAssignor.assign(
      [member('C2', ['t0', 't1', 't2']), member('C0', ['t0']), member('C1', ['t0', 't1'])],
      new Map([['t0', 1], ['t1', 2], ['t2', 3]]),
    );
    expect(flat(plan.get('C0'))).toEqual(['t0p0']);
    expect(flat(plan.get('C1'))).toEqual(['t1p0']);
    expect(flat(plan.get('C2'))).toEqual(['t1p1', 't2p0', 't2p1', 't2p2']);
  });
});

describe('both assignors, on random groups (fixed seed)', () => {
  it('assign every partition of a subscribed topic exactly once, to a subscriber', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let round = 0; round < 200; round++) {
      const topics = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, i) => `t${i}`);
      const counts = new Map(topics.map((t) => [t, 1 + Math.floor(random() * 9)]));
      const members = Array.from({ length: 1 + Math.floor(random() * 5) }, (_, i) =>
        member(`m${i}-${Math.floor(random() * 1000)}`, topics.filter(() => random() < 0.7)),
      );
      for (const assignor of [rangeAssignor, roundRobinAssignor]) {
        const plan = assignor.assign(members, counts);
        const seen = new Map<string, string>();
        for (const [memberId, list] of plan) {
          const subscribed = members.find((m) => m.memberId === memberId)!.subscription.topics;
          for (const tp of list) {
            expect(subscribed).toContain(tp.topic);
            for (const p of tp.partitions) {
              const key = `${tp.topic}p${p}`;
              expect(seen.has(key), `${assignor.name} assigned ${key} twice`).toBe(false);
              seen.set(key, memberId);
            }
          }
        }
        for (const topic of topics) {
          if (!members.some((m) => m.subscription.topics.includes(topic))) continue;
          for (let p = 0; p < counts.get(topic)!; p++) expect(seen.has(`${topic}p${p}`)).toBe(true);
        }
      }
    }
  });
});
