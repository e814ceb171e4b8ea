import { randomBytes } from "node:crypto";

/**
 * Generates a lowercase UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then
 * random bits. Time-ordered keys keep inserts at the end of the primary key
 * index instead of scattering them.
 */
export function generateId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString("hex");
  return (
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-` +
    `${hex.slice(16, 20)}-${hex.slice(20)}`
  );
}
