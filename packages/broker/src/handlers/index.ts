import type { AnyApiHandler } from '../router/api-handler.js';
import { apiVersionsHandler } from './api-versions-handler.js';
import { createTopicsHandler } from './create-topics-handler.js';
import { deleteTopicsHandler } from './delete-topics-handler.js';
import { fetchHandler } from './fetch-handler.js';
import { findCoordinatorHandler } from './find-coordinator-handler.js';
import { initProducerIdHandler } from './init-producer-id-handler.js';
import { listOffsetsHandler } from './list-offsets-handler.js';
import { metadataHandler } from './metadata-handler.js';
import { produceHandler } from './produce-handler.js';

/** Every API the broker serves; ApiVersions advertises exactly these. */
export const API_HANDLERS: readonly AnyApiHandler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  initProducerIdHandler,
  findCoordinatorHandler,
];
