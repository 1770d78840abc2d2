import cliProgress from 'cli-progress';

/** Live progress of one benchmark phase: `update` with running totals, `stop` at the end. */
export interface Progress {
  /** `done` of `total` units (records, or ms for timed runs), and a short status text. */
  update(done: number, total: number, status: string): void;
  stop(): void;
}

/** How progress is shown: a bar on a TTY, a plain line every `intervalMs` otherwise, or nothing. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/**
 * A progress display for phase `label`: cli-progress's single bar on a TTY ('auto' on a TTY, or
 * 'bar'), plain periodic lines on stderr when not ('auto' elsewhere, or 'lines'), or silence.
 */
export function createProgress(label: string, mode: ProgressMode = 'auto', intervalMs = 1000): Progress {
  const resolved = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : mode;
  if (resolved === 'none') return { update: () => undefined, stop: () => undefined };
  if (resolved === 'bar') {
    const bar = new cliProgress.SingleBar(
      { format: `${label.padEnd(28)} [{bar}] {percentage}% | {status}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, status) {
        if (!started) {
          bar.start(total, 0, { status });
          started = true;
        }
        bar.setTotal(total);
        bar.update(Math.min(done, total), { status });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(done, total, status) {
      const now = performance.now();
      if (now - last < intervalMs) return;
      last = now;
      const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
      process.stderr.write(`${label}: ${pct}% ${status}\n`);
    },
    stop: () => undefined,
  };
}
