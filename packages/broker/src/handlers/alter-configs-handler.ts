import { AlterConfigs, ErrorCode, type AlterConfigsRequest, type AlterConfigsResponse } from '@sluice/protocol';
import { changeAllConfigs, duplicateKey } from '../config/topic-config-changes.js';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * AlterConfigs v0-2 (Kafka protocol: AlterConfigs; v2 is the first flexible version; Kafka `ConfigAdminManager.alterConfigs`). For a
 * TOPIC resource the given configs replace the topic's whole override set (keys not given go back
 * to the broker defaults), validated as a whole: INVALID_CONFIG 40 naming the key (unknown key,
 * bad value, null value); persisted in the topic registry and applied without a restart. A key
 * twice for one resource, or a resource twice in the request → INVALID_REQUEST 42. Unknown topic
 * → UNKNOWN_TOPIC_OR_PARTITION 3; BROKER and other resource types → INVALID_REQUEST 42 (see
 * `changeConfigs`). `validate_only` checks everything and changes nothing.
 */
export const alterConfigsHandler: ApiHandler<AlterConfigsRequest, AlterConfigsResponse> = {
  api: AlterConfigs,
  async handle(request, context) {
    const responses = await changeAllConfigs(context.broker, request.resources, request.validateOnly, (resource) => {
      const duplicate = duplicateKey(resource.configs);
      if (duplicate !== null) return duplicate;
      const overrides: Record<string, string> = {};
      for (const { name, value } of resource.configs) {
        if (value === null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `null value for config ${name}` };
        overrides[name] = value;
      }
      return { overrides };
    });
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(request, errorCode) {
    return { throttleTimeMs: 0, responses: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName })) };
  },
};
