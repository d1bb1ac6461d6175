// What a keyset cursor may carry, checked before any of it reaches SQL: cursors are plain base64 JSON that
// anyone can write, so a value the database would refuse (a malformed UUID, a date outside timestamptz's
// range, a NUL in text) must read as "no cursor" (the first page), never as a 500.

/** A UUID as PostgreSQL's uuid type reads it (RFC 9562's 8-4-4-4-12 hexadecimal form). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isCursorUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** The earliest a cursor's time may be: nothing in Ágora is older. */
const EARLIEST = Date.UTC(2000, 0, 1);

/** A cursor's time, or null: a valid date from 2000 to a day after `now`. */
export function cursorDate(value: unknown, now = new Date()): Date | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const date = new Date(value);
  const time = date.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time > now.getTime() + 86_400_000) return null;
  return date;
}

/** Text a cursor carries (a name), or null when it holds what PostgreSQL text cannot (NUL) or is too long. */
export function cursorText(value: unknown, max = 300): string | null {
  return typeof value === 'string' && value.length <= max && !value.includes('\u0000') ? value : null;
}
