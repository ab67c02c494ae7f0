/** The logger the server writes to: pino's call shape (`log.info({ … }, 'message')`), JSON lines. */
export interface ServerLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything. */
export const silentLog: ServerLog = { info() {}, warn() {}, error() {} };
