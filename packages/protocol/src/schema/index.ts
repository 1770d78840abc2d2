/** The declarative schema engine: message specs, version ranges, compiled codecs, API definitions. */
export * from './versions.js';
export * from './spec.js';
export * from './errors.js';
export * from './compile.js';
export * from './message-codec.js';
export * from './api-definition.js';
