import { ApiKey, BufferPool, raiseMallocThresholdsOnce } from '@sluice/protocol';

/**
 * Memory for request frames that span socket reads (every large Produce), lent by the
 * connections' FrameDecoders and taken back when the request completed.
 *
 * Why: a Produce of MBs arrives in 64 KiB reads and is copied into one frame buffer. A fresh
 * allocation of that size per request is a new mapping: the copy page-faults on every 4 KiB page
 * and V8 counts the memory as external, which drives garbage collections; with many partitions
 * our producer sends frames of several MB, and that copy plus GC took a large share of the
 * broker's time (bench/findings.md). Reused memory takes the copy at memory speed.
 *
 * Only Produce frames come back (`releaseCompletedFrame`): its handler resolves after the log
 * wrote the batches (the write is awaited, acks=0 included) and keeps no view of them, whereas
 * other requests' decoded bytes fields (JoinGroup metadata, SyncGroup assignments...) are views
 * of the frame that the group coordinator keeps. Any other lent frame is garbage collected.
 *
 * Sizes trade speed for resident memory (the broker's peak RSS target is 250 MB): pooled from
 * 64 KiB to 8 MiB (power-of-two classes; most frames at 512 partitions are 1-9 MB), at most
 * 16 MiB idle: larger limits pushed the peak RSS at 64 partitions toward the target.
 */
export const requestFramePool = new BufferPool(64 * 1024, 8 * 1024 * 1024, 16 * 1024 * 1024);

/**
 * Lends a frame buffer of exactly `size` bytes (FrameDecoder's `allocate`). Before the first
 * frame above the pool's largest class, a fresh allocation each time, it raises glibc's malloc
 * thresholds (protocol framing/malloc-thresholds.ts), so those frames come from heap that earlier
 * ones freed instead of fresh mappings, which took the broker's page faults at 512 partitions down
 * (bench/findings.md, "Partitions").
 */
export function allocateRequestFrame(size: number): Buffer {
  if (size > requestFramePool.maxBufferBytes) raiseMallocThresholdsOnce();
  return requestFramePool.acquire(size);
}

/**
 * Hands `frame` back to the pool when it is a Produce request the pool lent; call it once the
 * request has completed (its response decided). Returns whether it did.
 */
export function releaseCompletedFrame(frame: Buffer): boolean {
  if (frame.length < 2 || frame.readInt16BE(0) !== ApiKey.Produce) return false;
  return requestFramePool.release(frame);
}
