/** Request and response headers, and whole-frame encoders. */
export * from './request-header.js';
export * from './response-header.js';
export * from './frames.js';
