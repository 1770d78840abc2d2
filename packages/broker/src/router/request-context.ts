import type { RequestHeader } from '@sluice/protocol';
import type { Broker } from '../broker.js';

/** Identity of a client connection, passed to handlers (and to logs). */
export interface ConnectionInfo {
  /** Broker-unique connection id. */
  readonly id: number;
  /** `address:port` of the peer. */
  readonly remote: string;
  /** The peer's address alone (Kafka's clientHost). */
  readonly host: string;
}

/** What a handler knows about the request beyond its body. */
export interface RequestContext {
  readonly header: RequestHeader;
  /** The request's API version (== header.requestApiVersion). */
  readonly apiVersion: number;
  readonly connection: ConnectionInfo;
  /** The broker's state: config, logs, groups, cluster identity. */
  readonly broker: Broker;
}
