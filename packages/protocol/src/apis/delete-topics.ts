/**
 * DeleteTopics (API key 20): delete topics by name.
 * Kafka protocol: DeleteTopics v0-v5 advertised; fields declared with their upstream ranges.
 *
 * Version 0: initial version.
 * Version 1: the response adds ThrottleTimeMs.
 * Version 2: same as 1.
 * Version 3: TOPIC_DELETION_DISABLED may be returned.
 * Version 4: first flexible version.
 * Version 5: the response adds ErrorMessage (KIP-599).
 * Version 6: Topics (Name, TopicId) replace TopicNames; the response adds TopicId.
 */
import type { MessageSpec } from '../schema/spec.js';
import { defineApi, type ApiDefinition } from '../schema/api-definition.js';

/** The name or topic ID of the topic (DeleteTopics request) */
export interface DeleteTopicState {
  /** The topic name (v6+, default null) */
  name: string | null;
  /** The unique topic ID (v6+) */
  topicId: Buffer;
}

/** DeleteTopics request body (follows the request header). */
export interface DeleteTopicsRequest {
  /** The name or topic ID of the topic (v6+) */
  topics?: DeleteTopicState[];
  /** The names of the topics to delete (v0-5) */
  topicNames: string[];
  /** The length of time in milliseconds to wait for the deletions to complete. */
  timeoutMs: number;
}

/** The results for each topic we tried to delete. (DeleteTopics response) */
export interface DeletableTopicResult {
  /** The topic name */
  name: string;
  /** the unique topic ID (v6+) */
  topicId?: Buffer;
  /** The deletion error, or 0 if the deletion succeeded. */
  errorCode: number;
  /** The error message, or null if there was no error. (v5+, default null) */
  errorMessage?: string | null;
}

/** DeleteTopics response body (follows the response header). */
export interface DeleteTopicsResponse {
  /** The duration in milliseconds for which the request was throttled due to a quota violation, or zero if the request did not violate any quota. (v1+) */
  throttleTimeMs: number;
  /** The results for each topic we tried to delete. */
  responses: DeletableTopicResult[];
}

/** DeleteTopics request schema, v0-6 (flexible 4+). */
export const DeleteTopicsRequestSpec: MessageSpec = {
  name: 'DeleteTopicsRequest',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'topics', type: '[]DeleteTopicState', versions: '6+', fields: [
      { name: 'name', type: 'string', versions: '6+', nullableVersions: '6+', default: null },
      { name: 'topicId', type: 'uuid', versions: '6+' },
    ] },
    { name: 'topicNames', type: '[]string', versions: '0-5' },
    { name: 'timeoutMs', type: 'int32', versions: '0+' },
  ],
};

/** DeleteTopics response schema, v0-6 (flexible 4+). */
export const DeleteTopicsResponseSpec: MessageSpec = {
  name: 'DeleteTopicsResponse',
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '1+' },
    { name: 'responses', type: '[]DeletableTopicResult', versions: '0+', fields: [
      { name: 'name', type: 'string', versions: '0+', nullableVersions: '6+' },
      { name: 'topicId', type: 'uuid', versions: '6+' },
      { name: 'errorCode', type: 'int16', versions: '0+' },
      { name: 'errorMessage', type: 'string', versions: '5+', nullableVersions: '5+', default: null },
    ] },
  ],
};

/** DeleteTopics: advertised v0-v5; first flexible version upstream is v4. */
export const DeleteTopics: ApiDefinition<DeleteTopicsRequest, DeleteTopicsResponse> = defineApi<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  requestSpec: DeleteTopicsRequestSpec,
  responseSpec: DeleteTopicsResponseSpec,
});
