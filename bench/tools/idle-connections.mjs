// Broker memory per idle connection: opens `count` TCP connections to the broker, sends one
// ApiVersions v0 request on each (so the broker holds per-connection state), waits for every
// response, and reads the broker's RSS before and after. Connections are closed at the end.
import { connect } from 'node:net';
import { processMemory } from '../peers/proc.mjs';

/** ApiVersions v0 request frame: size, apiKey 18, version 0, correlationId, null clientId. */
const API_VERSIONS_V0 = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);

/** Returns { connections, rssBeforeBytes, rssAfterBytes, deltaBytes, bytesPerConnection }. */
export async function idleConnectionCost(broker, count = 1000) {
  const [host, port] = broker.bootstrap.split(':');
  await new Promise((r) => setTimeout(r, 200));
  const before = processMemory(broker.pid).rssBytes;
  const sockets = [];
  try {
    for (let i = 0; i < count; i += 100) {
      const batch = [];
      for (let j = i; j < Math.min(count, i + 100); j++) {
        batch.push(
          new Promise((resolve, reject) => {
            const s = connect(Number(port), host, () => s.write(API_VERSIONS_V0));
            sockets.push(s);
            s.once('data', () => resolve());
            s.once('error', reject);
          }),
        );
      }
      await Promise.all(batch);
    }
    await new Promise((r) => setTimeout(r, 500));
    const after = processMemory(broker.pid).rssBytes;
    return { connections: count, rssBeforeBytes: before, rssAfterBytes: after, deltaBytes: after - before, bytesPerConnection: Math.round((after - before) / count) };
  } finally {
    for (const s of sockets) s.destroy();
  }
}
