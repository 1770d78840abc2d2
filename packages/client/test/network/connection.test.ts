import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  ApiVersions,
  FrameDecoder,
  Metadata,
  Reader,
  decodeRequestHeader,
  encodeApiVersionsFallbackFrame,
  encodeResponseFrame,
  type ApiVersionsRequest,
} from '@sluice/protocol';
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from '../../src/network/client-software.js';
import { BrokerUnreachableError, RequestTimeoutError, SluiceClient } from '../../src/index.js';
import { BrokerConnection } from '../../src/network/connection.js';
import { startTestCluster, type TestCluster } from '../helpers/test-broker.js';

describe('BrokerConnection', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('negotiates the highest version both sides support', async () => {
    const connection = await BrokerConnection.connect({ host: '127.0.0.1', port: cluster.broker.port, clientId: 't' });
    const range = connection.brokerVersionRange(Metadata.apiKey)!;
    expect(connection.versionFor(Metadata)).toBe(Math.min(Metadata.maxVersion, range.maxVersion));
    expect(connection.versionFor(ApiVersions)).toBe(4);
    connection.close();
  });

  it('opens with flexible ApiVersions v4 naming the client software, and retries v0 after a v0-format fallback', async () => {
    const seen: { version: number; body: ApiVersionsRequest }[] = [];
    const server = net.createServer((socket) => {
      const decoder = new FrameDecoder(1 << 20);
      socket.on('data', (chunk) => {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
          const reader = new Reader(frame);
          const header = decodeRequestHeader(reader);
          seen.push({ version: header.requestApiVersion, body: ApiVersions.request.decode(reader, header.requestApiVersion) });
          // An older broker: ApiVersions up to v2 only, so v4 gets the KIP-511 fallback.
          const table = [{ apiKey: ApiVersions.apiKey, minVersion: 0, maxVersion: 2 }];
          socket.write(Buffer.concat(
            header.requestApiVersion > 2
              ? encodeApiVersionsFallbackFrame(header.correlationId, table)
              : encodeResponseFrame(ApiVersions, header.requestApiVersion, header.correlationId, { errorCode: 0, apiKeys: table, throttleTimeMs: 0 }),
          ));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const connection = await BrokerConnection.connect({ host: '127.0.0.1', port, clientId: 't' });
      expect(seen.map((s) => s.version)).toEqual([4, 0]);
      expect(seen[0]!.body).toEqual({ clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION });
      expect(connection.versionFor(ApiVersions)).toBe(2);
      connection.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('names itself with the @sluice/client package version', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CLIENT_SOFTWARE_VERSION).toBe(manifest.version);
  });

  it('pipelines many requests on one socket and matches responses in order', async () => {
    const connection = await BrokerConnection.connect({ host: '127.0.0.1', port: cluster.broker.port, clientId: 't' });
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) => connection.request(Metadata, { topics: [{ name: `missing-${i}` }], allowAutoTopicCreation: false })),
    );
    responses.forEach((r, i) => expect(r.topics[0]!.name).toBe(`missing-${i}`));
    connection.close();
  });

  it('corks the requests of a tick into one write at its end, and writes a flushed request (and those before it) at once', async () => {
    const connection = await BrokerConnection.connect({ host: '127.0.0.1', port: cluster.broker.port, clientId: 't' });
    const body = (name: string) => ({ topics: [{ name }], allowAutoTopicCreation: false });
    const corked = connection.request(Metadata, body('a'));
    expect(connection.queuedBytes).toBeGreaterThan(0);
    const flushed = connection.request(Metadata, body('b'), { flush: true });
    expect(connection.queuedBytes).toBe(0);
    const next = connection.request(Metadata, body('c'));
    expect(connection.queuedBytes).toBeGreaterThan(0);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(connection.queuedBytes).toBe(0);
    const names = (await Promise.all([corked, flushed, next])).map((r) => r.topics[0]!.name);
    expect(names).toEqual(['a', 'b', 'c']);
    connection.close();
  });

  it('names host:port when the broker is unreachable', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const admin = new SluiceClient({ bootstrapServers: [`127.0.0.1:${port}`], connectTimeoutMs: 2000 }).admin({ retry: { maxAttempts: 1 } });
    const error = await admin.listTopics().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect((error as Error).message).toBe(`broker 127.0.0.1:${port} is unreachable: ECONNREFUSED`);
    await admin.close();
  });

  it('fails a request that gets no answer within its timeout, and closes the connection', async () => {
    // A "broker" that accepts connections and never answers: the ApiVersions handshake times out.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const error = await BrokerConnection.connect({ host: '127.0.0.1', port, clientId: 't', connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerUnreachableError);
    expect((error as BrokerUnreachableError).cause).toBeInstanceOf(RequestTimeoutError);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
