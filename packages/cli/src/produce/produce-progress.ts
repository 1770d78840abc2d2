import cliProgress from 'cli-progress';

/** Live progress of `sluice produce`: running totals in, a one-line summary out. */
export interface ProduceProgress {
  /** Records and bytes acknowledged so far; `position` (bytes of the input read) drives the bar when the size is known. */
  update(records: number, bytes: number, position?: number): void;
  /** Stops the display; returns the summary line (records, MB, seconds, records/s, MB/s). */
  stop(records: number, bytes: number): string;
}

const BYTES_PER_MB = 1_000_000;

/**
 * On a terminal (`stream.isTTY`), a cli-progress bar with records/s and MB/s — over the input's
 * bytes when `totalBytes` is known (`--file`), else counters only (stdin, `--follow`).
 * Elsewhere nothing until `stop`, whose summary the caller prints, so logs and pipes get one
 * line. Rates are averages since the start.
 */
export function startProduceProgress(topic: string, stream: NodeJS.WriteStream, totalBytes?: number): ProduceProgress {
  const startedAt = performance.now();
  const rates = (records: number, bytes: number) => {
    const seconds = Math.max((performance.now() - startedAt) / 1000, 1e-3);
    return {
      seconds,
      recordsPerSec: Math.round(records / seconds),
      mbPerSec: (bytes / BYTES_PER_MB / seconds).toFixed(2),
    };
  };
  const summary = (records: number, bytes: number) => {
    const r = rates(records, bytes);
    return `produced ${records} records (${(bytes / BYTES_PER_MB).toFixed(2)} MB) to ${topic} in ${r.seconds.toFixed(1)} s: ${r.recordsPerSec} records/s, ${r.mbPerSec} MB/s`;
  };
  if (!stream.isTTY) return { update: () => undefined, stop: summary };

  const counters = '{records} records | {recordsPerSec} records/s | {mbPerSec} MB/s';
  const bar = new cliProgress.SingleBar(
    {
      format: totalBytes === undefined ? `${topic} | ${counters}` : `${topic} [{bar}] {percentage}% | ${counters}`,
      stream,
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalBytes ?? 1, 0, { records: 0, recordsPerSec: 0, mbPerSec: '0.00' });
  return {
    update(records, bytes, position) {
      const r = rates(records, bytes);
      bar.update(totalBytes === undefined ? 0 : Math.min(position ?? 0, totalBytes), { records, recordsPerSec: r.recordsPerSec, mbPerSec: r.mbPerSec });
    },
    stop(records, bytes) {
      this.update(records, bytes, totalBytes);
      bar.stop();
      return summary(records, bytes);
    },
  };
}
