/**
 * The logging surface the group coordinator and its group metadata manager use: the subset of pino's `Logger`
 * (`logger.child({ component: 'group-coordinator' })` satisfies it), so this module needs no
 * logger instance of its own and tests need none.
 */
export interface GroupLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Discards everything (the default). */
export const noopGroupLogger: GroupLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
