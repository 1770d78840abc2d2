/**
 * Keeps a process that receives large frames from taking a page fault per 4 KiB of each one.
 *
 * Why: a frame's Buffer is allocated with malloc (Node's ArrayBuffer allocator) and freed when V8
 * collects it, many at a time. glibc returns the top of its heap to the kernel once more than its
 * trim threshold is free there, so when a consumer allocates a 4 MiB Fetch response every few ms,
 * each new response lands in memory the kernel must back again: one minor fault per 4 KiB page
 * (bench/findings.md, "Consume 1 KiB"). glibc raises its
 * thresholds by itself when a chunk it had mmapped is freed (mallopt(3), M_MMAP_THRESHOLD: the mmap
 * threshold becomes that chunk's size and the trim threshold twice it), but only up to
 * DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB on 64-bit; a 4 MiB response alone sets them to 4 and 8 MiB,
 * which a GC that frees a dozen responses at once goes past.
 *
 * So, once per process, before its first frame of `LARGE_FRAME_BYTES` or more, one untouched
 * 30 MiB Buffer is allocated and dropped; when V8 frees it, the mmap threshold becomes ~30 MiB and
 * the trim threshold ~60 MiB. Cost: a process that received a large frame may keep up to ~60 MiB of
 * freed heap instead of returning it; nothing is touched, so the allocation itself costs no memory.
 * Other allocators (musl, macOS) ignore it. There is no mallopt() binding in Node; environment
 * settings (MALLOC_TRIM_THRESHOLD_) would have to be set before the process starts.
 */

/**
 * Frames of at least this many bytes trigger the raise (bytes): glibc's default mmap threshold
 * (M_MMAP_THRESHOLD, 128 KiB), above which every allocation starts as fresh mmapped memory. A
 * consumer on Kafka's default max.partition.fetch.bytes (1 MiB) gets responses just under 1 MiB,
 * which a 1 MiB trigger never caught.
 */
export const LARGE_FRAME_BYTES = 128 * 1024;

/**
 * Size of the Buffer whose free raises the thresholds (bytes): the largest whose chunk (size plus
 * malloc's header, page-rounded) stays at or below glibc's 32 MiB cap with room to spare.
 */
export const MALLOC_THRESHOLD_RAISE_BYTES = 30 * 1024 * 1024;

let raised = false;

/**
 * Raises glibc's dynamic mmap and trim thresholds once per process (see the module comment).
 * Idempotent and cheap after the first call; never throws (an allocation failure leaves the
 * thresholds as they were).
 */
export function raiseMallocThresholdsOnce(): void {
  if (raised) return;
  raised = true;
  try {
    // allocUnsafeSlow: its own ArrayBuffer (not Node's pool), not zero-filled, so no page of it is touched.
    Buffer.allocUnsafeSlow(MALLOC_THRESHOLD_RAISE_BYTES);
  } catch {
    // Out of address space: the thresholds stay as glibc set them; frames still work, only slower.
  }
}
