import { ApiVersions, ErrorCode } from '@sluice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker-fixture.js';
import { RawClient } from '../helpers/raw-client.js';

/**
 * The flexible versions (KIP-482) each API is advertised up to, sent as raw frames through our
 * codecs (request header v2, response header v1) with the new fields checked in the answers.
 */
describe('flexible versions served by the broker', () => {
  let broker: TestBroker;
  let client: RawClient;
  beforeAll(async () => {
    broker = await startTestBroker();
    client = await RawClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  describe('ApiVersions v3-v4 (KIP-511)', () => {
    it('answers the same table as v2 in the flexible format, with no features advertised', async () => {
      const v2 = await client.send(ApiVersions, 2, {});
      for (const version of [3, 4]) {
        const response = await client.send(ApiVersions, version, { clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' });
        expect(response).toMatchObject({ errorCode: ErrorCode.NONE, apiKeys: v2.apiKeys, throttleTimeMs: 0 });
        expect(response).toMatchObject({ supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false });
        expect(response.apiKeys.find((k) => k.apiKey === ApiVersions.apiKey)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 4 });
      }
    });

    it('refuses a client software name or version outside the KIP-511 pattern with INVALID_REQUEST and an empty table', async () => {
      for (const body of [
        { clientSoftwareName: '', clientSoftwareVersion: '1.0' },
        { clientSoftwareName: 'bad name', clientSoftwareVersion: '1.0' },
        { clientSoftwareName: 'ok', clientSoftwareVersion: '-1' },
      ]) {
        const response = await client.send(ApiVersions, 3, body);
        expect(response.errorCode, JSON.stringify(body)).toBe(ErrorCode.INVALID_REQUEST);
        expect(response.apiKeys).toEqual([]);
      }
      // The connection stays usable, as with Kafka.
      expect((await client.send(ApiVersions, 3, { clientSoftwareName: 'a', clientSoftwareVersion: 'b' })).errorCode).toBe(ErrorCode.NONE);
    });
  });
});
