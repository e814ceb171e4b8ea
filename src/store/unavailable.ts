/**
 * Driver errors that mean the database cannot serve now (connection lost,
 * server shutting down, statement timeout, SQLite file locked) rather than
 * a bug. They answer 503 with Retry-After; the pool reconnects by itself.
 */
// ECONNRESET and EPIPE are left out: a client that hangs up raises them
// too, and that is not a database outage.
const networkCodes = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "SQLITE_BUSY",
]);

/** SQLSTATE classes and codes of an unavailable server (PostgreSQL 15). */
const unavailableStates = new Set([
  "57P01",
  "57P02",
  "57P03",
  "57014",
  "53300",
]);

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (networkCodes.has(code) || unavailableStates.has(code)) return true;
    // Class 08: connection exceptions.
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}
