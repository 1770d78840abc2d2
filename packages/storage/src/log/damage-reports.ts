import type { Logger } from 'pino';
import { CorruptSegmentError } from '../errors.js';

/** Damaged places a log reports from reads before it stops logging new ones (bounds memory). */
const MAX_DAMAGE_REPORTS = 1000;

/**
 * The damaged segment bytes a partition's reads ran into, each logged once (per segment path and
 * byte position) at error level, so a consumer retrying against damage does not flood the log.
 */
export class DamageReports {
  private readonly reported = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Logs `err` if it is a CorruptSegmentError not reported yet, then rethrows it. */
  rethrow(err: unknown): never {
    if (err instanceof CorruptSegmentError) {
      const key = `${err.path}:${err.position}`;
      if (!this.reported.has(key) && this.reported.size < MAX_DAMAGE_REPORTS) {
        this.reported.add(key);
        this.logger.error(
          { segment: err.path, position: err.position, offset: err.offset, reason: err.reason },
          'damaged log segment: reads stop before these bytes and answer KAFKA_STORAGE_ERROR; a restart without the clean-shutdown marker moves them aside',
        );
      }
    }
    throw err;
  }
}
