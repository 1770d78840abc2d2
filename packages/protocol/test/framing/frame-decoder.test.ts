import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameSizeError } from '@sluice/protocol';
import { seededRandom } from '../apis/spec-values.js';

function frameOf(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

function drain(decoder: FrameDecoder): Buffer[] {
  const out: Buffer[] = [];
  for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) out.push(frame);
  return out;
}

const bodies = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from('0102030405060708090a', 'hex'), Buffer.from('x')];
const stream = Buffer.concat(bodies.map(frameOf));

describe('FrameDecoder', () => {
  it('returns undefined, not an exception, until a frame is complete', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.next()).toBeUndefined();
    decoder.push(stream.subarray(0, 3));
    expect(decoder.next()).toBeUndefined();
    decoder.push(stream.subarray(3, 8));
    expect(decoder.next()).toBeUndefined();
    decoder.push(stream.subarray(8, 9));
    expect(decoder.next()).toEqual(Buffer.from('hello'));
  });

  it('splits many frames out of one chunk, as zero-copy views of it', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(stream);
    const frames = drain(decoder);
    expect(frames).toEqual(bodies);
    for (const frame of frames) expect(frame.buffer).toBe(stream.buffer);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('reassembles the stream split at every byte boundary, and into single bytes', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(100);
      decoder.push(stream.subarray(0, cut));
      const frames = drain(decoder);
      decoder.push(stream.subarray(cut));
      frames.push(...drain(decoder));
      expect(frames, `split at ${cut}`).toEqual(bodies);
    }
    const decoder = new FrameDecoder(100);
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1));
      frames.push(...drain(decoder));
    }
    expect(frames).toEqual(bodies);
  });

  it('matches a model under random chunking (fixed seed)', () => {
    const random = seededRandom(42);
    const model: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      model.push(Buffer.from(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))));
    }
    const all = Buffer.concat(model.map(frameOf));
    const decoder = new FrameDecoder(300);
    const got: Buffer[] = [];
    for (let at = 0; at < all.length; ) {
      const size = 1 + Math.floor(random() * 700);
      decoder.push(all.subarray(at, at + size));
      at += size;
      got.push(...drain(decoder));
      // Bounded: never more than one partial frame plus its prefix after draining.
      expect(decoder.bufferedBytes).toBeLessThan(300 + 4);
    }
    expect(got).toEqual(model);
  });

  it('accepts a frame of exactly maxFrameBytes and rejects one byte more with the sizes attached', () => {
    const ok = new FrameDecoder(10);
    ok.push(frameOf(Buffer.alloc(10)));
    expect(ok.next()?.length).toBe(10);
    const tooBig = new FrameDecoder(10);
    tooBig.push(frameOf(Buffer.alloc(11)));
    expect(() => tooBig.next()).toThrow(FrameSizeError);
    expect(() => tooBig.next(), 'and keeps failing: the stream cannot be resynchronized').toThrow(
      expect.objectContaining({ size: 11, maxFrameBytes: 10 }),
    );
  });

  it('rejects negative size prefixes', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(Buffer.from('ffffffff', 'hex'));
    expect(() => decoder.next()).toThrow(expect.objectContaining({ name: 'FrameSizeError', size: -1 }));
  });

  it('rejects a 2^31-1 prefix from its four bytes alone, without waiting for or allocating the body', () => {
    const decoder = new FrameDecoder(104857600);
    decoder.push(Buffer.from('7fff', 'hex'));
    expect(decoder.next()).toBeUndefined();
    decoder.push(Buffer.from('ffff', 'hex'));
    expect(() => decoder.next()).toThrow(expect.objectContaining({ size: 2 ** 31 - 1, maxFrameBytes: 104857600 }));
  });
  it('takes the buffer of a frame spanning chunks from allocate, and nothing else', () => {
    const sizes: number[] = [];
    const decoder = new FrameDecoder(100, (size) => {
      sizes.push(size);
      return Buffer.alloc(size, 0xee);
    });
    const inOneChunk = Buffer.from('inside');
    const spanning = Buffer.from('0123456789abcdef');
    const bytes = Buffer.concat([frameOf(inOneChunk), frameOf(spanning)]);
    // The first frame and the second's size prefix in one chunk, the rest of the second in two more.
    const firstChunk = 4 + inOneChunk.length + 2;
    decoder.push(bytes.subarray(0, firstChunk));
    decoder.push(bytes.subarray(firstChunk, firstChunk + 7));
    decoder.push(bytes.subarray(firstChunk + 7));
    expect(drain(decoder)).toEqual([inOneChunk, spanning]);
    expect(sizes).toEqual([spanning.length]);
  });
});
