import type { AnyApiHandler } from '../router/api-handler.js';
import { joinGroupHandler } from './join-group-handler.js';
import { syncGroupHandler } from './sync-group-handler.js';
import { heartbeatHandler } from './heartbeat-handler.js';
import { leaveGroupHandler } from './leave-group-handler.js';
import { describeGroupsHandler } from './describe-groups-handler.js';
import { listGroupsHandler } from './list-groups-handler.js';
import { deleteGroupsHandler } from './delete-groups-handler.js';
import { offsetCommitHandler } from './offset-commit-handler.js';
import { offsetFetchHandler } from './offset-fetch-handler.js';
import { offsetDeleteHandler } from './offset-delete-handler.js';
import { apiVersionsHandler } from './api-versions-handler.js';
import { createTopicsHandler } from './create-topics-handler.js';
import { deleteTopicsHandler } from './delete-topics-handler.js';
import { describeClusterHandler } from './describe-cluster-handler.js';
import { describeConfigsHandler } from './describe-configs-handler.js';
import { describeProducersHandler } from './describe-producers-handler.js';
import { alterConfigsHandler } from './alter-configs-handler.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs-handler.js';
import { createPartitionsHandler } from './create-partitions-handler.js';
import { deleteRecordsHandler } from './delete-records-handler.js';
import { describeLogDirsHandler } from './describe-log-dirs-handler.js';
import { fetchHandler } from './fetch-handler.js';
import { findCoordinatorHandler } from './find-coordinator-handler.js';
import { initProducerIdHandler } from './init-producer-id-handler.js';
import { listOffsetsHandler } from './list-offsets-handler.js';
import { metadataHandler } from './metadata-handler.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch-handler.js';
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
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  offsetDeleteHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  createPartitionsHandler,
  deleteRecordsHandler,
  describeLogDirsHandler,
  offsetForLeaderEpochHandler,
  describeClusterHandler,
  describeProducersHandler,
];
