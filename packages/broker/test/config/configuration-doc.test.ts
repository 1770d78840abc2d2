import { readFileSync } from 'node:fs';
import { renderConfigurationDoc } from '@sluice/broker';
import { describe, expect, it } from 'vitest';

describe('docs/configuration.md', () => {
  it('matches the config tables in the code (regenerate with `npm run docs`)', () => {
    const onDisk = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderConfigurationDoc());
  });
});

describe('docs/protocol.md', () => {
  it('lists exactly the APIs and versions the broker serves (regenerate with `npm run docs`)', async () => {
    const { renderProtocolTable } = await import('@sluice/broker');
    const onDisk = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');
    expect(onDisk).toContain(`<!-- BEGIN GENERATED API TABLE -->\n${renderProtocolTable()}\n<!-- END GENERATED API TABLE -->`);
  });
});
