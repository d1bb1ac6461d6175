import { createTranslator, type Locale, type Translate } from './i18n.js';

// Instants as people read them: a date and a time in a language and a time zone. Pure: no request.
// Creating an Intl.DateTimeFormat costs far more than using one (it loads ICU data for the locale and
// the zone), and a page shows dozens of times, so one formatter per (locale, zone) is kept for the
// life of the process: a few hundred zones at most (IANA time zone database names), five languages.

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
const zoneNames = new Map<string, string>();
const translators = new Map<Locale, Translate>();
// A recent instant to name zones at: at the epoch Spain kept no summer time, and ICU then calls its zone
// "hora estándar de Europa central" rather than the generic "hora de Europa central".
const NAMING_INSTANT = Date.UTC(2026, 0, 15, 12);

/** The formatter for `locale` in `timeZone` (an IANA name such as Europe/Madrid or Atlantic/Canary), cached. */
function dateTimeFormat(locale: Locale, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone });
    dateTimeFormats.set(key, format);
  }
  return format;
}

/**
 * The zone's generic name in `locale`, from ICU's CLDR data ("hora de Europa central", "Europako
 * mendebaldeko ordua"): the same in summer and winter, so it is cached as text.
 */
export function timeZoneName(locale: Locale, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let name = zoneNames.get(key);
  if (name === undefined) {
    const parts = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'longGeneric' }).formatToParts(
      NAMING_INSTANT,
    );
    name = parts.find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
    zoneNames.set(key, name);
  }
  return name;
}

const knownZones = new Map<string, boolean>();

/**
 * Whether `timeZone` is a zone this runtime's ICU knows (an IANA name, or UTC), remembered: it is asked
 * of zones already stored (checked when saved), so the answers stay few.
 */
export function isKnownTimeZone(timeZone: string): boolean {
  let known = knownZones.get(timeZone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(timeZone, known);
  }
  return known;
}

export interface DateTimeOptions {
  readonly locale: Locale;
  /** IANA time zone to show the time in. */
  readonly timeZone: string;
  /**
   * Say which zone the time is in: where the zone may not be the reader's own (a signed-out visitor
   * reads the site's zone; an e-mail is read anywhere). A signed-in person reading in the zone they
   * chose gets the bare time.
   */
  readonly showZone: boolean;
}

/**
 * `date` as a long date and a short time ("1 de julio de 2026, 12:00"), followed by the zone's name
 * when `showZone` ("… (hora de Europa central)"; the joining words come from the catalog's
 * `date.withZone`). For the machine-readable value, templates put `date.toISOString()` in `<time datetime>`.
 */
export function formatDateTime(date: Date, { locale, timeZone, showZone }: DateTimeOptions): string {
  const text = dateTimeFormat(locale, timeZone).format(date);
  if (!showZone) return text;
  let t = translators.get(locale);
  if (!t) {
    t = createTranslator(locale);
    translators.set(locale, t);
  }
  return t('date.withZone', { date: text, zone: timeZoneName(locale, timeZone) });
}
