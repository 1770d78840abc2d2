import { describe, expect, it } from 'vitest';
import { DirectFrameReader, FrameSizeError } from '@sluice/protocol';
import { seededRandom } from '../apis/spec-values.js';

function frameOf(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/**
 * Plays `stream` into `reader` the way Node's `onread` does: each read asks for a target, the
 * "kernel" writes at most `target.length` bytes (and at most `nextReadSize()`) into it, then the
 * callback gets the count and the same target.
 */
function play(reader: DirectFrameReader, stream: Buffer, nextReadSize: () => number): { reads: number; direct: number } {
  let at = 0;
  let reads = 0;
  let direct = 0;
  while (at < stream.length) {
    const target = reader.readTarget();
    const n = Math.min(target.length, nextReadSize(), stream.length - at);
    stream.copy(target, 0, at, at + n);
    at += n;
    reads++;
    if (target.length !== 64 * 1024) direct++;
    reader.onRead(n, target);
  }
  return { reads, direct };
}

describe('DirectFrameReader', () => {
  const random = seededRandom(7);
  const bodies = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(300_000, 0xab), Buffer.from('x'), Buffer.alloc(70_000, 0x11), Buffer.alloc(0)];
  for (const body of bodies) if (body.length > 1000) for (let i = 0; i < body.length; i += 997) body[i] = Math.floor(random() * 256);
  const stream = Buffer.concat(bodies.map(frameOf));

  it('returns every frame, in order, however the reads split the stream', () => {
    for (const readSize of [1, 3, 4, 5, 1000, 65_536]) {
      const frames: Buffer[] = [];
      play(new DirectFrameReader((f) => frames.push(f)), stream, () => readSize);
      expect(frames, `reads of ${readSize}`).toEqual(bodies);
    }
    const frames: Buffer[] = [];
    play(new DirectFrameReader((f) => frames.push(f)), stream, () => 1 + Math.floor(random() * 100_000));
    expect(frames).toEqual(bodies);
  });

  it('reads the body of a large frame straight into the frame, and returns buffers that are never reused', () => {
    const frames: Buffer[] = [];
    const reader = new DirectFrameReader((f) => frames.push(f));
    const { direct } = play(reader, stream, () => 65_536);
    // After the first 64 KiB read, the rest of the 300,000- and 70,000-byte bodies arrive in reads into the frames themselves.
    expect(direct).toBeGreaterThanOrEqual(4);
    const copies = frames.map((f) => Buffer.from(f));
    play(reader, Buffer.concat(bodies.map((b) => frameOf(Buffer.alloc(b.length, 0xee)))), () => 65_536);
    expect(frames.slice(0, bodies.length)).toEqual(copies);
  });

  it('throws FrameSizeError for a negative or oversized size prefix, and on every later read', () => {
    const reader = new DirectFrameReader(() => undefined, 100);
    const target = reader.readTarget();
    target.writeInt32BE(101, 0);
    expect(() => reader.onRead(4, target)).toThrow(FrameSizeError);
    expect(() => reader.onRead(1, reader.readTarget())).toThrow(FrameSizeError);
    const negative = new DirectFrameReader(() => undefined, 100);
    const t = negative.readTarget();
    t.writeInt32BE(-1, 0);
    expect(() => negative.onRead(4, t)).toThrow(/invalid frame size -1/);
  });
});
