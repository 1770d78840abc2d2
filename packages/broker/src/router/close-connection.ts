/**
 * Thrown by the router when Kafka's answer to a request is to close the connection: an
 * unparseable request, an unknown API key, an unsupported version of anything but ApiVersions,
 * or Produce v0-2 (Kafka `SocketServer.parseRequestHeader`, KIP-896). Not a bug: logged at debug.
 */
export class CloseConnection extends Error {
  override readonly name = 'CloseConnection';
}
