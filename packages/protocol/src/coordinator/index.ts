/** What the group coordinator stores in `__consumer_offsets`: record codecs and the group → partition mapping. */
export * from './group-coordinator-records.js';
export * from './offsets-partitioner.js';
