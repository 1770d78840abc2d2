/** Framing: splitting a byte stream into size-prefixed Kafka frames. */
export * from './frame-decoder.js';
