import {
  ConfigResourceType,
  DescribeConfigs,
  ErrorCode,
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
} from '@sluice/protocol';
import { describeBrokerConfigs, describeTopicConfigs, type DescribeOptions } from '../config/described-configs.js';
import type { ApiHandler } from '../router/api-handler.js';

type ResourceResult = DescribeConfigsResponse['results'][number];

/**
 * DescribeConfigs v0-4 (Kafka protocol: DescribeConfigs; v4 is the first flexible version; Kafka `ConfigHelper.describeConfigs`).
 * Per resource:
 * - TOPIC (2): every topic config key with its value and source (see `describeTopicConfigs`);
 *   UNKNOWN_TOPIC_OR_PARTITION 3 for a topic this broker does not host.
 * - BROKER (4) named by this broker's node id: every broker key, read-only (see
 *   `describeBrokerConfigs`). An empty name is the cluster-wide dynamic default, which Sluice
 *   does not have: no configs, no error (as Kafka with none set). Another broker's id →
 *   INVALID_REQUEST 42 (ask that broker).
 * - Any other type (BROKER_LOGGER 8, GROUP...) → INVALID_REQUEST 42.
 * v0 carries `is_default`, v1+ `config_source` and (when `include_synonyms`) synonyms, v3+
 * `config_type` and (when `include_documentation`) the key's doc.
 */
export const describeConfigsHandler: ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  api: DescribeConfigs,
  handle(request, context) {
    const broker = context.broker;
    const results: ResourceResult[] = [];
    for (const resource of request.resources) {
      const { resourceType, resourceName } = resource;
      const options: DescribeOptions = {
        keys: resource.configurationKeys,
        includeSynonyms: context.apiVersion >= 1 && request.includeSynonyms,
        includeDocumentation: context.apiVersion >= 3 && request.includeDocumentation === true,
      };
      const fail = (errorCode: number, errorMessage: string): ResourceResult => ({ errorCode, errorMessage, resourceType, resourceName, configs: [] });
      if (resourceType === ConfigResourceType.TOPIC) {
        const topic = broker.logs.topics().get(resourceName);
        if (topic === undefined) results.push(fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${resourceName}' does not exist.`));
        else results.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName, configs: describeTopicConfigs(broker.config, topic, options) });
      } else if (resourceType === ConfigResourceType.BROKER) {
        if (resourceName === '') results.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName, configs: [] });
        else if (resourceName !== String(broker.nodeId)) results.push(fail(ErrorCode.INVALID_REQUEST, `this is broker ${broker.nodeId}; describe broker ${resourceName} on that broker`));
        else results.push({ errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName, configs: describeBrokerConfigs(broker.config, options) });
      } else {
        results.push(fail(ErrorCode.INVALID_REQUEST, `unsupported resource type ${resourceType}: only TOPIC (2) and BROKER (4)`));
      }
    }
    return { throttleTimeMs: 0, results };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      results: request.resources.map((r) => ({ errorCode, errorMessage: null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] })),
    };
  },
};
