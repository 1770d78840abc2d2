import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';

/** A fresh directory under the OS temp dir; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix = 'sluice-storage-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string): Promise<void> {
  return fs.rm(dir, { recursive: true, force: true });
}

/** A logger that records nothing (set SLUICE_TEST_LOG=debug to see storage logs). */
export const testLogger = pino({ level: process.env['SLUICE_TEST_LOG'] ?? 'silent' });
