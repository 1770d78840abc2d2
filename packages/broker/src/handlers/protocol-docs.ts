import { API_HANDLERS } from './index.js';

/**
 * Renders the generated API table of docs/protocol.md from the router's handler table: what
 * ApiVersions advertises is exactly what is listed.
 */
export function renderProtocolTable(): string {
  const rows = [...API_HANDLERS]
    .sort((a, b) => a.api.apiKey - b.api.apiKey)
    .map((h) => {
      const decodable = h.minDecodableVersion ?? h.api.minVersion;
      const served = decodable > h.api.minVersion ? `${decodable}–${h.api.maxVersion} (${h.api.minVersion}–${decodable - 1} close the connection)` : `${h.api.minVersion}–${h.api.maxVersion}`;
      return `| ${h.api.apiKey} | ${h.api.name} | ${h.api.minVersion}–${h.api.maxVersion} | ${served} |`;
    });
  return ['| key | API | advertised | served |', '|---|---|---|---|', ...rows].join('\n');
}
