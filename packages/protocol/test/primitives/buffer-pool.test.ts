import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/primitives/buffer-pool.js';

const KiB = 1024;

describe('BufferPool', () => {
  it('lends exactly the asked length and reuses the memory once it is released', () => {
    const pool = new BufferPool(64 * KiB, 1024 * KiB, 4096 * KiB);
    const first = pool.acquire(100 * KiB);
    expect(first.length).toBe(100 * KiB);
    expect(pool.isLent(first)).toBe(true);
    first.fill(7);
    expect(pool.release(first.subarray(0, 10))).toBe(true);
    expect(pool.isLent(first)).toBe(false);
    expect(pool.idleSizeInBytes).toBe(128 * KiB);
    const second = pool.acquire(120 * KiB); // same power-of-two class (128 KiB): the same memory
    expect(second.buffer).toBe(first.buffer);
    expect(pool.idleSizeInBytes).toBe(0);
    const third = pool.acquire(120 * KiB); // the class is empty while `second` is out
    expect(third.buffer).not.toBe(first.buffer);
  });

  it('ignores a second release of the same loan, and buffers it never lent', () => {
    const pool = new BufferPool(64 * KiB, 1024 * KiB, 4096 * KiB);
    const lent = pool.acquire(64 * KiB);
    expect(pool.release(lent)).toBe(true);
    expect(pool.release(lent)).toBe(false);
    expect(pool.idleSizeInBytes).toBe(64 * KiB);
    expect(pool.release(Buffer.alloc(64 * KiB))).toBe(false);
    // A view that does not start at the loan's first byte is not a view the pool handed out.
    const again = pool.acquire(64 * KiB);
    expect(pool.release(again.subarray(1))).toBe(false);
    expect(pool.isLent(again)).toBe(true);
  });

  it('does not pool reads below the minimum or above the maximum', () => {
    const pool = new BufferPool(64 * KiB, 1024 * KiB, 4096 * KiB);
    const small = pool.acquire(64 * KiB - 1);
    const large = pool.acquire(1024 * KiB + 1);
    expect(pool.isLent(small)).toBe(false);
    expect(pool.isLent(large)).toBe(false);
    expect(pool.release(small)).toBe(false);
    expect(pool.release(large)).toBe(false);
    expect(pool.idleSizeInBytes).toBe(0);
  });

  it('keeps at most maxIdleBytes of idle memory', () => {
    const pool = new BufferPool(64 * KiB, 1024 * KiB, 256 * KiB);
    const loans = Array.from({ length: 5 }, () => pool.acquire(128 * KiB));
    for (const loan of loans) pool.release(loan);
    expect(pool.idleSizeInBytes).toBe(256 * KiB);
  });
});
