import { IncrementalAlterConfigs, type IncrementalAlterConfigsRequest, type IncrementalAlterConfigsResponse } from '@sluice/protocol';
import { changeAllConfigs, duplicateKey, incrementalOverrides } from '../config/topic-config-changes.js';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * IncrementalAlterConfigs v0 (Kafka protocol: IncrementalAlterConfigs, KIP-339). For a TOPIC
 * resource each config is SET, DELETEd (back to the broker default), or APPENDed to / SUBTRACTed
 * from for the list key `cleanup.policy` (see `incrementalOverrides`); the other overrides are
 * kept. The resulting set is validated as a whole (INVALID_CONFIG 40 naming the key; APPEND or
 * SUBTRACT on a non-list key is INVALID_CONFIG too), persisted and applied without a restart. A
 * key twice for one resource, a resource twice, a null value to SET or an unknown operation →
 * INVALID_REQUEST 42. Unknown topic → UNKNOWN_TOPIC_OR_PARTITION 3; BROKER and other types →
 * INVALID_REQUEST 42. `validate_only` checks everything and changes nothing.
 */
export const incrementalAlterConfigsHandler: ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  api: IncrementalAlterConfigs,
  async handle(request, context) {
    const responses = await changeAllConfigs(context.broker, request.resources, request.validateOnly, (resource, topic) => duplicateKey(resource.configs) ?? incrementalOverrides(topic, resource.configs));
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
  },
};
