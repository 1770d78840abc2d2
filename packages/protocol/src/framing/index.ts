/** Framing: splitting a byte stream into size-prefixed Kafka frames. */
export * from './frame-decoder.js';
export * from './direct-frame-reader.js';
export * from './malloc-thresholds.js';
