import {
  AUTHORIZED_OPERATIONS_OMITTED,
  DescribeCluster,
  EndpointType,
  ErrorCode,
  type DescribeClusterRequest,
  type DescribeClusterResponse,
} from '@sluice/protocol';
import type { ApiHandler } from '../router/api-handler.js';

/**
 * DescribeCluster v0-1 (Kafka protocol: DescribeCluster, KIP-700; v1 adds the endpoint type,
 * KIP-919). The same brokers, controller and cluster id as Metadata (`Broker.liveBrokers`,
 * `Broker.controllerId`): a single broker lists itself as the only broker and the controller;
 * cluster mode lists every registered live broker and the elected controller (-1 while none).
 *
 * A broker describes brokers: an endpoint type of 2 (controllers) gets MISMATCHED_ENDPOINT_TYPE
 * 114, any other unknown type UNSUPPORTED_ENDPOINT_TYPE 115, and both INVALID_REQUEST 42 at v0
 * (where the field cannot be sent), each with a message, as Kafka's `AuthHelper` answers.
 * `cluster_authorized_operations` is always -2147483648 ("not provided"): Sluice has no
 * authorizer, and reports operations as unknown in Metadata and DescribeGroups too.
 */
export const describeClusterHandler: ApiHandler<DescribeClusterRequest, DescribeClusterResponse> = {
  api: DescribeCluster,
  handle(request, context) {
    const endpointType = request.endpointType ?? EndpointType.BROKER;
    if (endpointType !== EndpointType.BROKER) {
      const known = endpointType === EndpointType.CONTROLLER;
      const errorCode = context.apiVersion === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      const errorMessage = known
        ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
        : `Unsupported endpoint type ${endpointType}`;
      return { ...this.errorResponse(request, errorCode, context), errorMessage };
    }
    const { broker } = context;
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType,
      clusterId: broker.clusterId,
      controllerId: broker.controllerId(),
      brokers: broker.liveBrokers().map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      endpointType: request.endpointType ?? EndpointType.BROKER,
      clusterId: '',
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
};
