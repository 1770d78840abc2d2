/** One listener as Kafka's `listeners` / `advertised.listeners` spell it: `PLAINTEXT://host:port`. */
export interface ListenerAddress {
  /** Host or IP; `0.0.0.0` when the listener names none (Kafka: every interface). */
  readonly host: string;
  readonly port: number;
}

/**
 * Parses Kafka's `listeners` / `advertised.listeners` value (`PLAINTEXT://host:port`, an IPv6
 * host in brackets, an empty host for every interface) into the host and port Sluice's own keys
 * hold. Sluice serves one plaintext listener: a list of several, a named listener or another
 * security protocol (SSL, SASL_*) is refused with a message saying so.
 *
 * @throws Error with the problem, for BrokerConfigError to name the key.
 */
export function parseListener(value: string): ListenerAddress {
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length !== 1) throw new Error(`Sluice serves one listener; give one PLAINTEXT://host:port (got ${entries.length})`);
  const match = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/.exec(entries[0]!);
  if (match === null) throw new Error('expected PLAINTEXT://host:port');
  const [, protocol, rawHost, rawPort] = match;
  if (protocol!.toUpperCase() !== 'PLAINTEXT') throw new Error(`only PLAINTEXT is served (no TLS or SASL yet), not ${protocol}`);
  const port = Number(rawPort);
  if (port > 65535) throw new Error(`port ${rawPort} is out of range`);
  const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  return { host: host === '' ? '0.0.0.0' : host, port };
}
