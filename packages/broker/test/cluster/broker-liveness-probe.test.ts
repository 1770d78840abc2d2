import net from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerLivenessProbe } from '../../src/cluster/broker-liveness-probe.js';
import type { LiveBroker } from '../../src/cluster/metadata-store.js';
import { waitUntil } from '../helpers/groups.js';

const logger = pino({ level: 'silent' });

/** A listener standing in for a broker: counts connections, can drop them, and stop listening. */
async function fakeBroker(): Promise<{ port: number; accepted: () => number; dropConnections: () => void; stop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    dropConnections,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        dropConnections();
      }),
  };
}

/** A free port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const f = await fakeBroker();
  await f.stop();
  return f.port;
}

const broker = (nodeId: number, port: number, incarnationId = `inc-${nodeId}`): LiveBroker => ({ nodeId, host: '127.0.0.1', port, rack: null, hostName: 'h', dataDir: '/d', incarnationId, brokerEpoch: 1 });

describe('BrokerLivenessProbe', () => {
  const probes: BrokerLivenessProbe[] = [];
  const probe = (onDead: (b: LiveBroker) => void) => {
    const p = new BrokerLivenessProbe({ nodeId: 1, logger, onDead, retryMs: 200 });
    probes.push(p);
    return p;
  };
  afterEach(() => {
    for (const p of probes.splice(0)) p.close();
  });

  it('reports a broker whose listener goes away (connection closed, then refused) within milliseconds, once', async () => {
    const target = await fakeBroker();
    const dead: LiveBroker[] = [];
    probe((b) => dead.push(b)).update([broker(1, 1), broker(2, target.port)]);
    await waitUntil('the probe connection', () => target.accepted() === 1, 2000, 10);
    const stoppedAt = performance.now();
    await target.stop();
    await waitUntil('broker 2 reported dead', () => dead.length === 1, 2000, 5);
    expect(performance.now() - stoppedAt).toBeLessThan(500);
    expect(dead[0]!.nodeId).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dead).toHaveLength(1);
  });

  it('reconnects, without a report, when a live broker closes the idle connection', async () => {
    const target = await fakeBroker();
    const dead: LiveBroker[] = [];
    probe((b) => dead.push(b)).update([broker(2, target.port)]);
    await waitUntil('the probe connection', () => target.accepted() === 1, 2000, 10);
    // Held open past the retry pause, then dropped by the broker (an idle timeout): asked again at once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    target.dropConnections();
    await waitUntil('a second probe connection', () => target.accepted() === 2, 2000, 10);
    expect(dead).toEqual([]);
    await target.stop();
  });

  it('never reports a broker it has not reached (refused from the start: not proof that a process died), nor itself', async () => {
    const dead: LiveBroker[] = [];
    probe((b) => dead.push(b)).update([broker(2, await closedPort())]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(dead).toEqual([]);
  });

  it('stops probing a broker once it is no longer listed, or listed as another incarnation', async () => {
    const target = await fakeBroker();
    const dead: LiveBroker[] = [];
    const p = probe((b) => dead.push(b));
    p.update([broker(2, target.port, 'first')]);
    await waitUntil('the probe connection', () => target.accepted() === 1, 2000, 10);
    p.update([broker(2, target.port, 'second')]);
    await waitUntil('the new incarnation probed', () => target.accepted() === 2, 2000, 10);
    p.update([]);
    await target.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dead).toEqual([]);
  });
});
