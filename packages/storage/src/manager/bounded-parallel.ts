/**
 * Runs `fn(0..count-1)` with at most `limit` calls in flight and returns each call's outcome by
 * index; `undefined` for calls never started because `stopOnFailure` and an earlier one failed.
 * Resolves only once every started call has settled, so a caller cleaning up after a failure
 * sees everything that was done.
 *
 * Why: fanning out over 10,000 partitions at once (open, close, delete) would hold thousands of
 * descriptors and libuv requests at the same moment; the bound keeps that to `limit`.
 */
export async function settleBounded<R>(
  count: number,
  limit: number,
  fn: (index: number) => Promise<R>,
  stopOnFailure: boolean,
): Promise<Array<PromiseSettledResult<R> | undefined>> {
  const results = new Array<PromiseSettledResult<R> | undefined>(count).fill(undefined);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < count && !(stopOnFailure && failed)) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await fn(index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  return results;
}

/** The values of {@link settleBounded}'s outcomes; throws the first failure (by index). */
export function valuesOrThrow<R>(results: Array<PromiseSettledResult<R> | undefined>): R[] {
  const failure = results.find((r) => r?.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}
