import { ApiVersions, ErrorCode, type ApiVersionsRequest, type ApiVersionsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * ApiVersions v0-2 (Kafka protocol: ApiVersions; v1 adds throttle time). The table is the
 * router's: every API with a handler and its advertised range, so nothing is advertised that the
 * broker does not serve. Versions above 2 never reach this handler: the router answers them with
 * the v0-format UNSUPPORTED_VERSION reply (CLIENTS.md §1.1).
 */
export const apiVersionsHandler: ApiHandler<ApiVersionsRequest, ApiVersionsResponse> = {
  api: ApiVersions,
  handle(_request, context) {
    return { errorCode: ErrorCode.NONE, apiKeys: [...context.broker.advertisedApis], throttleTimeMs: 0 };
  },
  errorResponse(_request, errorCode, context) {
    return { errorCode, apiKeys: [...context.broker.advertisedApis], throttleTimeMs: 0 };
  },
};
