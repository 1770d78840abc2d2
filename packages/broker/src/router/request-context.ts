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
  /**
   * The client software the peer named in ApiVersions v3+ (KIP-511: `clientSoftwareName`,
   * `clientSoftwareVersion`, e.g. `librdkafka` / `2.0.2`), set once that request is answered;
   * undefined until then and for older clients. Kafka keeps it on the channel for its request log
   * and per-client metrics; here the debug request log carries it.
   */
  clientSoftware?: { readonly name: string; readonly version: string };
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
