import { ApiVersions, ErrorCode, type ApiVersionsRequest, type ApiVersionsResponse } from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * What KIP-511 allows as a client software name or version (Kafka `ApiVersionsRequest.isValid`):
 * starts and ends with a letter or digit, with letters, digits, '-' and '.' between.
 */
const CLIENT_SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** First ApiVersions version carrying clientSoftwareName/Version (KIP-511). */
const CLIENT_SOFTWARE_SINCE_VERSION = 3;

/**
 * ApiVersions v0-4 (Kafka protocol: ApiVersions; v1 adds throttle time; v3 is flexible and names
 * the client software, KIP-511; v4 is v3 again, KAFKA-17011). The table is the router's: every API
 * with a handler and its advertised range, so nothing is advertised that the broker does not
 * serve. Versions above 4 never reach this handler: the router answers them with the v0-format
 * UNSUPPORTED_VERSION reply (CLIENTS.md §1.1).
 *
 * v3+: a clientSoftwareName or clientSoftwareVersion not matching KIP-511's pattern gets
 * INVALID_REQUEST (42) with an empty table, as Kafka answers; a valid pair is kept on the
 * connection (`ConnectionInfo.clientSoftware`) for the debug request log. No features are
 * advertised (supportedFeatures empty, finalizedFeaturesEpoch -1): Sluice has no feature flags.
 */
export const apiVersionsHandler: ApiHandler<ApiVersionsRequest, ApiVersionsResponse> = {
  api: ApiVersions,
  handle(request, context) {
    if (context.apiVersion >= CLIENT_SOFTWARE_SINCE_VERSION) {
      const name = request.clientSoftwareName ?? '';
      const version = request.clientSoftwareVersion ?? '';
      if (!CLIENT_SOFTWARE_PATTERN.test(name) || !CLIENT_SOFTWARE_PATTERN.test(version)) {
        return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
      }
      context.connection.clientSoftware = { name, version };
    }
    return { errorCode: ErrorCode.NONE, apiKeys: [...context.broker.advertisedApis], throttleTimeMs: 0 };
  },
  errorResponse(_request, errorCode, context) {
    return { errorCode, apiKeys: [...context.broker.advertisedApis], throttleTimeMs: 0 };
  },
};
