import { appendFile, copyFile, mkdtemp, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followFile, type LineChunk } from '../../src/produce/file-follower.js';
import type { FollowCheckpoint } from '../../src/produce/follow-state.js';
import { seededRandom } from '../../../../test-support/seeded-random.js';


async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A follower run: collects lines and checkpoints as a producer that acknowledges at once would. */
class Run {
  readonly lines: string[] = [];
  readonly notices: string[] = [];
  checkpoint: FollowCheckpoint | null;
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;

  constructor(path: string, resumeFrom: FollowCheckpoint | null, startAt: 'beginning' | 'end' = 'beginning') {
    this.checkpoint = resumeFrom;
    const chunks = followFile({ path, resumeFrom, startAt, pollIntervalMs: 10, readChunkBytes: 64, signal: this.controller.signal, onNotice: (m) => this.notices.push(m) });
    this.done = (async () => {
      for await (const chunk of chunks as AsyncIterable<LineChunk>) {
        for (const line of chunk.lines) this.lines.push(line.toString());
        this.checkpoint = chunk.checkpoint;
      }
    })();
  }

  async stop(): Promise<FollowCheckpoint | null> {
    this.controller.abort();
    await this.done;
    return this.checkpoint;
  }
}

describe('followFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-follow-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 2, 3, 4, 5, 6])('delivers every line exactly once across appends, split writes, renames, copytruncates and restarts (seed %i)', async (seed) => {
    const random = seededRandom(seed);
    const path = join(dir, 'app.log');
    await writeFile(path, '');
    const written: string[] = [];
    const received: string[] = [];
    let run = new Run(path, null);
    let rotations = 0;
    let next = 0;
    const line = () => `line ${next++} ${'x'.repeat(Math.floor(random() * 150))}`;
    const caughtUp = () =>
      waitFor(`line ${written.length} of seed ${seed} (got ${received.length + run.lines.length}; last ${[...received, ...run.lines].slice(-2).join(' | ').slice(0, 120)}; notices ${run.notices.join(' / ')})`, () => received.length + run.lines.length >= written.length);

    for (let step = 0; step < 40; step++) {
      const op = random();
      if (op < 0.45) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 20) }, line);
        await appendFile(path, batch.join('\n') + '\n');
        written.push(...batch);
      } else if (op < 0.6) {
        // One line in two writes: the follower may read between them and must join the halves.
        const whole = line();
        const cut = Math.floor(whole.length / 2);
        await appendFile(path, whole.slice(0, cut));
        await new Promise((r) => setTimeout(r, 15));
        await appendFile(path, whole.slice(cut) + '\n');
        written.push(whole);
      } else if (op < 0.72) {
        await caughtUp();
        await rename(path, join(dir, `app.log.${++rotations}`));
        const batch = Array.from({ length: 1 + Math.floor(random() * 5) }, line);
        await writeFile(path, batch.join('\n') + '\n');
        written.push(...batch);
      } else if (op < 0.84) {
        await caughtUp();
        const before = run.notices.length;
        const size = (await stat(path)).size;
        await copyFile(path, join(dir, `app.log.copy${++rotations}`));
        await truncate(path, 0);
        // copytruncate's own race: the truncation must be seen before the file regrows past the old size.
        if (size > 0) await waitFor('the truncation notice', () => run.notices.slice(before).some((n) => n.includes('truncated')));
      } else if (op < 0.92) {
        // A clean stop (SIGTERM): every delivered line was acknowledged, the checkpoint is the last one.
        const checkpoint = await run.stop();
        received.push(...run.lines);
        if (random() < 0.5) {
          // Rotated while stopped: the old file must be finished from the checkpoint first.
          const tail = Array.from({ length: 3 }, line);
          await appendFile(path, tail.join('\n') + '\n');
          written.push(...tail);
          await rename(path, join(dir, `app.log.${++rotations}`));
          const fresh = Array.from({ length: 2 }, line);
          await writeFile(path, fresh.join('\n') + '\n');
          written.push(...fresh);
        }
        run = new Run(path, checkpoint);
      } else {
        await caughtUp();
      }
    }
    await caughtUp();
    await new Promise((r) => setTimeout(r, 50));
    await run.stop();
    received.push(...run.lines);
    expect(received).toEqual(written);
  });

  it('after a crash (an older checkpoint) it resends, never skips', async () => {
    const path = join(dir, 'app.log');
    const first = Array.from({ length: 50 }, (_, i) => `a${i}`);
    await writeFile(path, first.join('\n') + '\n');
    const run1 = new Run(path, null);
    await waitFor('the first lines', () => run1.lines.length === 50);
    const stale: FollowCheckpoint = { ...run1.checkpoint!, position: first.slice(0, 20).join('\n').length + 1 };
    await run1.stop();
    await appendFile(path, 'b0\nb1\n');
    const run2 = new Run(path, stale);
    await waitFor('the resent lines', () => run2.lines.length === 32);
    await run2.stop();
    expect(run2.lines).toEqual([...first.slice(20), 'b0', 'b1']);
  });

  it('when the rotated file is gone, says lines may be lost and reads the new file from the start', async () => {
    const path = join(dir, 'app.log');
    await writeFile(path, 'one\n');
    const run1 = new Run(path, null);
    await waitFor('one', () => run1.lines.length === 1);
    const checkpoint = await run1.stop();
    await rm(path);
    await writeFile(path, 'two\n');
    const run2 = new Run(path, checkpoint);
    await waitFor('two', () => run2.lines.length === 1);
    await run2.stop();
    expect(run2.lines).toEqual(['two']);
    expect(run2.notices.join('\n')).toMatch(/may be lost/);
  });

  it('--start-at end skips what is there; a file that does not exist yet is waited for', async () => {
    const path = join(dir, 'later.log');
    const run = new Run(path, null, 'end');
    await new Promise((r) => setTimeout(r, 50));
    await writeFile(path, 'first\n');
    await waitFor('first', () => run.lines.length === 1);
    await run.stop();
    await appendFile(path, 'second\n');
    const atEnd = new Run(path, null, 'end');
    await new Promise((r) => setTimeout(r, 50));
    await appendFile(path, 'third\n');
    await waitFor('third', () => atEnd.lines.length === 1);
    await atEnd.stop();
    expect([...run.lines, ...atEnd.lines]).toEqual(['first', 'third']);
  });
});
