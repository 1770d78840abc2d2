import { BufferPool } from '@sluice/protocol';

/**
 * The process-wide pool the log's Fetch reads use and the broker's connections return to (when
 * the socket write of a Fetch response completes).
 *
 * Why: a Fetch reads up to `max.partition.fetch.bytes` (often MiBs) from a segment into a Buffer
 * that lives only until the socket has taken it; reusing that memory saves a fresh allocation
 * (and its page faults) per Fetch. Kafka avoids the copy altogether with
 * sendfile(2), which Node does not offer for sockets. Defaults: pooled from 64 KiB to 16 MiB, at
 * most 32 MiB idle.
 */
export const fetchBufferPool = new BufferPool();
