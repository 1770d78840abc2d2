import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/disk.js';

/** The broker identity kept in `<data-dir>/meta.properties` (Kafka's file of the same name). */
export interface MetaProperties {
  /** 22-character base64url cluster id, stable for the life of the data directory. */
  readonly clusterId: string;
  readonly nodeId: number;
}

/** Thrown when the data directory belongs to another node id than the configured one. */
export class InconsistentNodeIdError extends Error {
  override readonly name = 'InconsistentNodeIdError';
}

const FILE = 'meta.properties';

/**
 * Reads `meta.properties` from `dataDir`, creating it (and the directory) with a new random
 * cluster id on first start. Kafka's format: `key=value` lines, `#` comments.
 * Throws InconsistentNodeIdError when the stored node.id differs from `nodeId`; KafkaStorageError
 * (from io/disk.ts) when the file cannot be written and made durable.
 */
export async function loadOrCreateMetaProperties(dataDir: string, nodeId: number): Promise<MetaProperties> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const props = parseProperties(text);
    const clusterId = props.get('cluster.id');
    const storedNodeId = Number(props.get('node.id'));
    if (clusterId && Number.isInteger(storedNodeId)) {
      if (storedNodeId !== nodeId) {
        throw new InconsistentNodeIdError(
          `${path} belongs to node.id=${storedNodeId}, but this broker is configured with node.id=${nodeId}`,
        );
      }
      return { clusterId, nodeId };
    }
  }
  // Kafka cluster ids are a random UUID in base64url without padding (22 characters).
  const meta = { clusterId: randomBytes(16).toString('base64url'), nodeId };
  const body = `#\n#Written by Sluice ${new Date().toISOString()}\ncluster.id=${meta.clusterId}\nnode.id=${nodeId}\nversion=1\n`;
  // The directory is fsynced after the rename too: a crash after the first start must not lose
  // the file and give the data directory a new cluster id at the next one.
  await writeFileAtomic(path, Buffer.from(body));
  return meta;
}

function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) out.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  return out;
}
