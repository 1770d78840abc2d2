#!/usr/bin/env node
// Regenerates the generated parts of docs/ from the code (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigurationDoc, renderProtocolTable } from '@sluice/broker';

const docs = (name) => new URL(`../docs/${name}`, import.meta.url);
writeFileSync(docs('configuration.md'), renderConfigurationDoc());
const protocol = readFileSync(docs('protocol.md'), 'utf8').replace(
  /(<!-- BEGIN GENERATED API TABLE -->\n)[\s\S]*?(<!-- END GENERATED API TABLE -->)/,
  (_, begin, end) => `${begin}${renderProtocolTable()}\n${end}`,
);
writeFileSync(docs('protocol.md'), protocol);
console.log('wrote docs/configuration.md and the API table of docs/protocol.md');
