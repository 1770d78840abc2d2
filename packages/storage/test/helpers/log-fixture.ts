import { afterEach, beforeEach } from 'vitest';
import type { PartitionLog } from '../../src/log/partition-log.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

/**
 * The per-test state of {@link useLogFixture}: `dir` is the test's fresh temp directory; a test stores
 * the PartitionLog it opens in `log` (reassigning it on reopen) so the fixture closes it afterwards.
 */
export interface LogFixture {
  dir: string;
  log: PartitionLog | undefined;
}

/**
 * Registers beforeEach/afterEach hooks on the calling suite (call it at module or `describe` level,
 * never inside a test): before each test, `dir` becomes a new temp directory; after it, the log left
 * in `log` is closed, `log` reset to undefined and `dir` removed. Returns the one mutable object the
 * hooks update, so read `fixture.dir` / `fixture.log` inside tests rather than destructuring it.
 */
export function useLogFixture(): LogFixture {
  const fixture: LogFixture = { dir: '', log: undefined };
  beforeEach(async () => {
    fixture.dir = await makeTempDir();
  });
  afterEach(async () => {
    await fixture.log?.close();
    fixture.log = undefined;
    await removeTempDir(fixture.dir);
  });
  return fixture;
}
