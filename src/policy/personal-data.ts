// Personal-data detectors for moderation: where a post shows a DNI, NIE, IBAN, Spanish phone number,
// e-mail address or Social Security affiliation number (NSS). Pure: a string in, spans out; no I/O.
//
// Precision comes from two things. Every identifier that carries a check (DNI/NIE letter, IBAN and NSS
// mod 97) is verified, so a number that merely looks like one is not reported. And every numeric
// candidate must stand alone: digits joined to other digits or letters by "/", ".", "-", "_" (file
// numbers "2024/000123456", budget lines "1532.609.00", dates, DIR3 codes "L01280796", cadastral
// references, "Ley 39/2015") are parts of something else. Phones carry no check, so they also need
// the numbering plan and the words around them.

export const PERSONAL_DATA_DETECTORS = ['DNI', 'NIE', 'IBAN', 'PHONE', 'EMAIL', 'NSS'] as const;
export type PersonalDataDetector = (typeof PERSONAL_DATA_DETECTORS)[number];

export interface PersonalDataMatch {
  readonly detector: PersonalDataDetector;
  /** UTF-16 offset of the first character in the text. */
  readonly start: number;
  /** UTF-16 offset just past the last character (exclusive). */
  readonly end: number;
  /**
   * What a moderator may see: the detector and the last 4 significant characters, e.g.
   * "DNI ****678Z", "IBAN ****1332", "PHONE ****5678"; e-mails keep the first letter of the local part
   * and the domain, "EMAIL a***@ajuntament.cat".
   */
  readonly masked: string;
}

// ─── Validators ─────────────────────────────────────────────────────────────────────────────────────

/** Check letters indexed by number mod 23 (Real Decreto 1553/2005 on the DNI; Ministerio del Interior). */
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Spaces, no-break spaces, dots and dashes people write inside identifiers. */
const LAYOUT_CHARACTERS = /[\s.\-‐‑–/]/g;

function compact(value: string): string {
  return value.replace(LAYOUT_CHARACTERS, '').toUpperCase();
}

/** The DNI check letter of a number 0–99 999 999: "TRWAGMYFPDXBNJZSQVHLCKE"[number mod 23]. */
export function dniCheckLetter(number: number): string {
  return DNI_LETTERS.charAt(number % 23);
}

/**
 * Whether a value is a DNI: 8 digits and the check letter, "TRWAGMYFPDXBNJZSQVHLCKE"[number mod 23]
 * (Real Decreto 1553/2005, of 23 December, on the DNI; the letter table is the Ministerio del
 * Interior's). Dots, spaces, dashes and lower case are ignored: "12.345.678-z" is read as "12345678Z".
 */
export function isValidDni(value: string): boolean {
  const id = compact(value);
  return /^\d{8}[A-Z]$/.test(id) && dniCheckLetter(Number(id.slice(0, 8))) === id.charAt(8);
}

/**
 * Whether a value is a NIE (número de identidad de extranjero): X, Y or Z, 7 digits and a check letter
 * computed as for the DNI once the initial is replaced by 0, 1 or 2 (Orden INT/2058/2008, which added
 * Y and Z after X). Layout characters and case are ignored as in isValidDni.
 */
export function isValidNie(value: string): boolean {
  const id = compact(value);
  if (!/^[XYZ]\d{7}[A-Z]$/.test(id)) return false;
  const number = Number(`${'XYZ'.indexOf(id.charAt(0))}${id.slice(1, 8)}`);
  return dniCheckLetter(number) === id.charAt(8);
}

/**
 * IBAN length per country, from the SWIFT IBAN Registry (ISO 13616-1): every SEPA country and the
 * other registered ones. A code missing here is not an IBAN country.
 */
// biome-ignore format: a table reads best as a table
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** The remainder mod 97 of a string of digits and letters read as a number with A = 10 … Z = 35. */
function mod97(value: string): number {
  let remainder = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // Digits add one decimal place, letters (two-digit values 10–35) add two.
    remainder = code <= 57 ? (remainder * 10 + (code - 48)) % 97 : (remainder * 100 + (code - 55)) % 97;
  }
  return remainder;
}

/**
 * Whether a value is an IBAN (ISO 13616-1): a registered country code, the length that country
 * registered (IBAN_LENGTHS), check digits 02–98, and, with the first four characters moved to the
 * end and letters read as A = 10 … Z = 35, a remainder of 1 mod 97 (ISO 7064 MOD 97-10). Spaces,
 * dashes and case are ignored: "es91 2100 0418 4502 0005 1332" is valid.
 */
export function isValidIban(value: string): boolean {
  const iban = compact(value);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const checkDigits = Number(iban.slice(2, 4));
  // 00, 01 and 99 are never issued: 01 and 98 would pass mod 97 alike.
  if (checkDigits < 2 || checkDigits > 98) return false;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

/**
 * The control digits of a Social Security affiliation number from its 2-digit province and 8-digit
 * serial number. TGSS rule: when the serial is below 10 000 000 (an old 7-digit number padded with a
 * zero) the base is province × 10⁷ + serial, otherwise province and serial concatenated
 * (province × 10⁸ + serial); the control is the base mod 97, written with two digits.
 */
export function nssControlDigits(province: number, serial: number): number {
  const base = serial < 10_000_000 ? province * 10_000_000 + serial : province * 100_000_000 + serial;
  return base % 97;
}

/**
 * Whether a value is a Social Security affiliation number (NSS/NAF, Tesorería General de la Seguridad
 * Social): 12 digits, province (01–99) + serial (8) + control (2), the control as in
 * nssControlDigits. Written 28/12345678/40, 28 12345678 40, 28-12345678-40 or 281234567840; the
 * layout is ignored. Province 00 does not exist. Old 11-digit numbers and 11-digit employer accounts
 * (CCC, "28/1234567/42") are not accepted: the first are rewritten with 12 digits today and the second
 * identify companies, not people.
 */
export function isValidNss(value: string): boolean {
  const nss = compact(value);
  if (!/^\d{12}$/.test(nss)) return false;
  const province = Number(nss.slice(0, 2));
  if (province === 0) return false;
  return nssControlDigits(province, Number(nss.slice(2, 10))) === Number(nss.slice(10));
}

// Spanish numbering plan (Plan Nacional de Numeración Telefónica, Real Decreto 2296/2004, kept by the
// CNMC): 9 digits; 6 and 7 are mobiles (70 is personal numbering, which follows a person too), 8 and 9
// geographic lines, except 80 and 90: special-rate and freephone services (800, 803, 806, 807, 900,
// 901, 902, 905…) reach an organisation, not a person, so they are not personal data. 81–89 and
// 91–99 are accepted whole, unassigned ranges included: a number nobody can call costs no precision.
const PERSONAL_PHONE = /^(?:[67]\d|[89][1-9])\d{7}$/;

/**
 * Whether 9 national digits (no +34) are a number that reaches a person: a mobile (6, 7) or a
 * geographic line (8, 9), per the Plan Nacional de Numeración (CNMC). Service numbers starting 80
 * or 90 (900, 901, 902, 905, 803, 806, 807…) are not.
 */
export function isPersonalPhoneNumber(digits: string): boolean {
  return PERSONAL_PHONE.test(digits);
}

// ─── Candidates ─────────────────────────────────────────────────────────────────────────────────────

const SEPARATOR = '[ .\\-\\u00A0]';

// "DNI12345678Z", "NIF:12345678Z": a label glued in front is still a label.
const DNI_PATTERN =
  /(?<=^|[^\p{L}\p{N}]|(?:^|[^\p{L}\p{N}])(?:[Dd][Nn][Ii]|[Nn][Ii][Ff]))\d{2}[. \u00A0]?\d{3}[. \u00A0]?\d{3}(?:[ \u00A0]?[-‐‑–][ \u00A0]?|[ \u00A0])?\p{L}(?![\p{L}\p{N}])/gu;
const NIE_PATTERN =
  /(?<![\p{L}\p{N}])[XYZxyz](?:[ \u00A0]?[-‐‑–.][ \u00A0]?|[ \u00A0])?\d[. \u00A0]?\d{3}[. \u00A0]?\d{3}(?:[ \u00A0]?[-‐‑–.][ \u00A0]?|[ \u00A0])?\p{L}(?![\p{L}\p{N}])/gu;
// Country code and check digits; the rest is walked by hand (its length depends on the country).
const IBAN_START = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?=[ \u00A0-]?[A-Za-z0-9])/gu;
// An optional +34 / 0034 / (+34), then 9 digits: bare, or in groups of 2–7 after a first group of 2–3
// that may sit in brackets ("(91) 123 45 67"). The digit count and the numbering plan are checked after.
const PHONE_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}+])(\\(\\s?(?:\\+|00)34\\s?\\)${SEPARATOR}?|(?:\\+|00)34${SEPARATOR}?)?` +
    `(\\d{9}|(?:\\(\\d{2,3}\\)${SEPARATOR}?|\\d{2,3}${SEPARATOR})\\d{2,7}(?!\\d)(?:${SEPARATOR}\\d{2,7}(?!\\d)){0,3})` +
    '(?![\\p{L}\\p{N}])',
  'gu',
);
const NSS_PATTERN = /(?<![\p{L}\p{N}])\d{2}[ \u00A0/.-]?\d{8}[ \u00A0/.-]?\d{2}(?![\p{L}\p{N}])/gu;
// A pragmatic subset of RFC 5322: dot-atoms of letters, digits and ._%+- on the left; labels of
// letters, digits and inner hyphens on the right; a top-level domain of 2 letters or more. "@handles"
// of the site have no local part and no dot, so they never match. Sticky: it is tried only where a
// local part ends at an "@", which is much faster on long posts than trying every word.
const EMAIL_LOCAL_CHARACTER = /[\p{L}\p{N}._%+-]/u;
const EMAIL_PATTERN =
  /[\p{L}\p{N}_%+-](?:[\p{L}\p{N}._%+-]*[\p{L}\p{N}_%+-])?@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}(?![\p{L}\p{N}\-@])/uy;

interface Candidate {
  readonly detector: PersonalDataDetector;
  readonly start: number;
  readonly end: number;
  readonly masked: string;
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const DIGIT = /\d/;

function isLetterOrDigit(char: string | undefined): boolean {
  return char !== undefined && LETTER_OR_DIGIT.test(char);
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && DIGIT.test(char);
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\u00A0' || char === '\t';
}

/**
 * Whether a numeric candidate stands alone rather than being a piece of a longer code. Joined to
 * digits by . / - _ , : it is part of a file number, date, budget line, amount or version; joined to
 * a letter by - _ / it is a code ("EXP-612345678"); "Tel.612345678" and "DNI:12345678Z" still read as
 * labels, and "12345678Z.pdf" still shows a DNI (a file name is a place people leak them). Written in
 * space-separated groups, a digit group right before or after makes it one piece
 * of a longer grouped number.
 */
function standsAlone(text: string, start: number, end: number): boolean {
  const before = text[start - 1];
  const beforeThat = text[start - 2];
  const after = text[end];
  const afterThat = text[end + 1];
  if (before === '@' || before === '#' || before === '+' || after === '@') return false;
  if (before !== undefined && '/-_‐‑–'.includes(before) && isLetterOrDigit(beforeThat)) return false;
  if (before !== undefined && '.,:'.includes(before) && isDigit(beforeThat)) return false;
  if (after !== undefined && '/-_‐‑–'.includes(after) && isLetterOrDigit(afterThat)) return false;
  if (after !== undefined && '.,:'.includes(after) && isDigit(afterThat)) return false;
  const grouped = /[ \u00A0]/.test(text.slice(start, end));
  if (grouped && ((isSpace(before) && isDigit(beforeThat)) || (isSpace(after) && isDigit(afterThat)))) return false;
  // "+33 612345678": a foreign country code in front.
  if (isSpace(before) && /\+\d{1,3}$/.test(text.slice(Math.max(0, start - 5), start - 1))) return false;
  return true;
}

function lastFour(significant: string): string {
  return significant.slice(-4);
}

function maskIdentifier(detector: PersonalDataDetector, significant: string): string {
  return `${detector} ****${lastFour(significant)}`;
}

// A letter written apart in lower case after the digits that is also a one-letter word ("a", "e",
// "y") and is followed by more words reads as the sentence going on ("12345678 y luego"), not as a
// check letter.
function isSentenceWord(raw: string, text: string, end: number): boolean {
  const letter = raw.charAt(raw.length - 1);
  const spaced = isSpace(raw.charAt(raw.length - 2));
  if (!spaced || !'aey'.includes(letter)) return false;
  return isSpace(text[end]) && isLetterOrDigit(text[end + 1]);
}

function findDnis(text: string, out: Candidate[]): void {
  for (const match of text.matchAll(DNI_PATTERN)) {
    const raw = match[0];
    const start = match.index;
    const end = start + raw.length;
    const id = compact(raw);
    if (!isValidDni(id) || !standsAlone(text, start, end) || isSentenceWord(raw, text, end)) continue;
    out.push({ detector: 'DNI', start, end, masked: maskIdentifier('DNI', id) });
  }
}

function findNies(text: string, out: Candidate[]): void {
  for (const match of text.matchAll(NIE_PATTERN)) {
    const raw = match[0];
    const start = match.index;
    const end = start + raw.length;
    // A lower-case x/y/z written apart reads as a word ("y 1234567 L"), not as the NIE's initial.
    if (/^[xyz][ \u00A0]/.test(raw)) continue;
    const id = compact(raw);
    if (!isValidNie(id) || !standsAlone(text, start, end) || isSentenceWord(raw, text, end)) continue;
    out.push({ detector: 'NIE', start, end, masked: maskIdentifier('NIE', id) });
  }
}

function isAlphanumeric(char: string | undefined): boolean {
  return char !== undefined && /[A-Za-z0-9]/.test(char);
}

function findIbans(text: string, out: Candidate[]): void {
  for (const match of text.matchAll(IBAN_START)) {
    const start = match.index;
    const length = IBAN_LENGTHS[match[0].slice(0, 2).toUpperCase()];
    if (length === undefined) continue;
    // Walk the characters after the check digits, letting one space or dash sit between any two, until
    // the country's length is reached.
    let collected = match[0];
    let position = start + 4;
    while (collected.length < length) {
      let char = text[position];
      if ((char === ' ' || char === '\u00A0' || char === '-') && isAlphanumeric(text[position + 1])) {
        position++;
        char = text[position];
      }
      if (!isAlphanumeric(char)) break;
      collected += char;
      position++;
    }
    if (collected.length !== length) continue;
    const after = text[position];
    // A longer run, or one more group of the same number, is not this IBAN.
    if (isLetterOrDigit(after)) continue;
    if ((after === ' ' || after === '\u00A0' || after === '-') && isDigit(text[position + 1])) continue;
    if (!isValidIban(collected)) continue;
    out.push({ detector: 'IBAN', start, end: position, masked: maskIdentifier('IBAN', collected.toUpperCase()) });
  }
}

function foldWord(word: string): string {
  const lower = word.toLowerCase();
  // Most words are plain ASCII; normalising them is the slow part of scanning a long post.
  return /^[a-z0-9]*$/.test(lower) ? lower : lower.normalize('NFD').replace(/\p{M}+/gu, '');
}

// Words that, among the last few before a bare number, make it a phone whatever else is around.
const PHONE_WORDS = new Set(
  (
    'telefono telefonos tel tfno tfn tlf telf movil mobil celular fijo fix fax llamame llamadme llamar llama ' +
    'llamad llamanos contacto contactar whatsapp telefon telefons truca trucar trucam truqueu contacte ' +
    'phone telephone mobile cell call ring contact extension ext'
  ).split(' '),
);

// Labels that make the number right after them a reference, an amount or a code rather than a phone.
const NON_PHONE_WORDS = new Set(
  (
    'expte exp expediente expedientes expedient referencia ref referencias registro registre reg factura ' +
    'facturas invoice pedido comanda order contrato contracte contract poliza polissa policy lote lot ' +
    'codigo codi code csv partida aplicacion aplicacio presupuestaria pressupostaria importe import amount ' +
    'total presupuesto pressupost budget dir dir3 nif cif cups matricula file case ticket incidencia ' +
    'incidencies serie serial isbn issn boe bop dogc record cuenta compte account ccc nss naf afiliacion ' +
    'afiliacio localizador locator reserva booking verificacion verificacio verification pin clave password ' +
    'contrasena usuario usuari user id identificador identifier orden ordre pago pagament payment recibo rebut ' +
    'receipt transaccion transaccio transaction operacion operacio justificante justificant albaran albara ' +
    'certificado certificat certificate solicitud licitud application tramite tramit procedimiento procediment ' +
    'procedure convocatoria tarjeta targeta card cliente client customer dni nie'
  ).split(' '),
);

// Words that may sit between such a label and its number: "Expediente n.º", "número de factura:".
const FILLER_WORDS = new Set('n nº no º o num numero nr nro number de del d of el la l the es is son are'.split(' '));
// Units that, right after a number, make it a quantity.
const UNIT_AFTER =
  /^[ \u00A0]?(?:de[ \u00A0]|d'|d’)?(?:€|eur\b|euros?\b|m2|m²|km|kg|hab\b|habitantes\b|habitants\b|%|bytes?\b)/iu;

/**
 * Whether the nearest word before a bare number, skipping fillers like "n.º" or "de", labels it as
 * something other than a phone ("Expediente n.º 612345678", "Importe: 912.345.678"), unless a phone
 * word is among the four words before it ("teléfono de referencia"). Looks 40 characters back.
 */
function labelledAsNonPhone(text: string, start: number): boolean {
  const window = text.slice(Math.max(0, start - 40), start);
  const words = (window.match(/[\p{L}\p{N}]+/gu) ?? []).slice(-8).map(foldWord);
  if (words.slice(-4).some((word) => PHONE_WORDS.has(word))) return false;
  for (let i = words.length - 1; i >= 0; i--) {
    const word = words[i] ?? '';
    if (!FILLER_WORDS.has(word)) return NON_PHONE_WORDS.has(word);
  }
  return false;
}

// Two numbers written "912345678/612345678" are two phones, not a file number and its year.
function isPhoneRunAt(text: string, from: number, to: number): boolean {
  return /^[6-9]\d{8}$/.test(text.slice(from, to)) && !isDigit(text[from - 1]) && !isDigit(text[to]);
}

function findPhones(text: string, out: Candidate[]): void {
  const pattern = new RegExp(PHONE_PATTERN);
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const raw = match[0];
    const start = match.index;
    const end = start + raw.length;
    if (!isPhone(text, start, end, match[1] !== undefined, (match[2] ?? '').replace(/\D/g, ''))) {
      // A longer grouped number that is not a phone may still hold one further on.
      pattern.lastIndex = start + 1;
      continue;
    }
    out.push({ detector: 'PHONE', start, end, masked: maskIdentifier('PHONE', raw.replace(/\D/g, '')) });
  }
}

function isPhone(text: string, start: number, end: number, prefixed: boolean, digits: string): boolean {
  if (digits.length !== 9 || !isPersonalPhoneNumber(digits)) return false;
  const slashBefore = text[start - 1] === '/' && isPhoneRunAt(text, start - 10, start - 1);
  const slashAfter = text[end] === '/' && isPhoneRunAt(text, end + 1, end + 10);
  if (!slashBefore && !slashAfter && !standsAlone(text, start, end)) return false;
  if (UNIT_AFTER.test(text.slice(end, end + 12))) return false;
  // With +34 in front it is a phone whatever the words before it say.
  return prefixed || !labelledAsNonPhone(text, start);
}

function findNsses(text: string, out: Candidate[]): void {
  for (const match of text.matchAll(NSS_PATTERN)) {
    const raw = match[0];
    const start = match.index;
    const end = start + raw.length;
    const digits = compact(raw);
    if (!isValidNss(digits) || !standsAlone(text, start, end)) continue;
    out.push({ detector: 'NSS', start, end, masked: maskIdentifier('NSS', digits) });
  }
}

/** Whether the whitespace-delimited token that holds `index` has "://" before it. */
function isInsideUrl(text: string, index: number): boolean {
  let tokenStart = index;
  while (tokenStart > 0 && !/\s/.test(text.charAt(tokenStart - 1))) tokenStart--;
  return text.slice(tokenStart, index).includes('://');
}

function findEmails(text: string, out: Candidate[]): void {
  const pattern = new RegExp(EMAIL_PATTERN);
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    // Back to where the local part starts (at most 64 characters, RFC 5321).
    let start = at;
    while (start > 0 && at - start <= 64 && EMAIL_LOCAL_CHARACTER.test(text.charAt(start - 1))) start--;
    if (start === at || at - start > 64) continue;
    pattern.lastIndex = start;
    const match = pattern.exec(text);
    if (match === null) continue;
    const raw = match[0];
    const local = text.slice(start, at);
    if (local.includes('..') || raw.length > 254) continue;
    // "https://user:secret@host.es": credentials in a URL, not an address anyone writes to.
    if (isInsideUrl(text, start)) continue;
    out.push({
      detector: 'EMAIL',
      start,
      end: start + raw.length,
      masked: `EMAIL ${local.charAt(0)}***@${raw.slice(local.length + 1)}`,
    });
  }
}

// When two candidates overlap, the longer one is the item (an e-mail whose local part is a phone, an
// NSS around digits); on equal length, this order.
const PRIORITY: Readonly<Record<PersonalDataDetector, number>> = {
  EMAIL: 0,
  IBAN: 1,
  NSS: 2,
  NIE: 3,
  DNI: 4,
  PHONE: 5,
};

function keepNonOverlapping(candidates: Candidate[]): PersonalDataMatch[] {
  const byStrength = [...candidates].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || PRIORITY[a.detector] - PRIORITY[b.detector] || a.start - b.start,
  );
  const kept: Candidate[] = [];
  for (const candidate of byStrength) {
    if (kept.every((other) => candidate.end <= other.start || candidate.start >= other.end)) kept.push(candidate);
  }
  return kept
    .sort((a, b) => a.start - b.start)
    .map(({ detector, start, end, masked }) => ({ detector, start, end, masked }));
}

/**
 * The personal data in a text: DNI, NIE, IBAN, Spanish phone numbers, e-mail addresses and Social
 * Security numbers, each verified by its check where it has one (see the validators above).
 * Returns matches sorted by start, never overlapping (one span is one item), with UTF-16 offsets into
 * `text` (end exclusive) and a masked form for display. Never throws; an empty array when nothing is
 * found. Linear in the length of the text: a 20 000-character post takes well under a millisecond.
 */
export function detectPersonalData(text: string): PersonalDataMatch[] {
  const candidates: Candidate[] = [];
  // Most posts have no digits at all: only e-mails can then be there.
  if (/\d/.test(text)) {
    findDnis(text, candidates);
    findNies(text, candidates);
    findIbans(text, candidates);
    findPhones(text, candidates);
    findNsses(text, candidates);
  }
  if (text.includes('@')) findEmails(text, candidates);
  return keepNonOverlapping(candidates);
}
