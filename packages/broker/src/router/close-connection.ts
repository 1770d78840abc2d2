import type { RequestHeader } from '@sluice/protocol';

/**
 * Thrown by the router when Kafka's answer to a request is to close the connection: an
 * unparseable request, an unknown API key, an unsupported version of anything but ApiVersions,
 * or Produce v0-2 (Kafka `SocketServer.parseRequestHeader`, KIP-896); or by a handler that must
 * not answer (Metadata on a cluster broker out of contact with etcd). Not a bug: the connection
 * logs the close at debug with `message` as the reason and, when the header was read, the
 * request's identity (so an interop failure names the client and the request it sent).
 */
export class CloseConnection extends Error {
  override readonly name = 'CloseConnection';

  constructor(
    message: string,
    /** The request's header, when it decoded. */
    readonly header: RequestHeader | null = null,
  ) {
    super(message);
  }
}
