// How the admin area's searches read what was typed: text for LIKE, and calendar days in the site's
// time zone. Pure functions.

/** Prisma's contains/startsWith become LIKE without escaping: a typed % or _ would be a wildcard. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using one. */
const wallClocks = new Map<string, Intl.DateTimeFormat>();

function wallClockIn(timeZone: string): Intl.DateTimeFormat {
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallClocks.set(timeZone, format);
  }
  return format;
}

/** How far ahead of UTC a time zone is at an instant, in milliseconds. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = wallClockIn(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wallClockAsUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wallClockAsUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant a calendar day (YYYY-MM-DD, plus `addDays`) starts in a time zone: the audit's dates are local. */
export function startOfDayIn(day: string, timeZone: string, addDays = 0): Date {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  const midnightUtc = Date.UTC(year, month - 1, date + addDays);
  const first = midnightUtc - zoneOffsetMs(new Date(midnightUtc), timeZone);
  // Across a daylight-saving change the offset at the result can differ from the first guess.
  return new Date(midnightUtc - zoneOffsetMs(new Date(first), timeZone));
}
