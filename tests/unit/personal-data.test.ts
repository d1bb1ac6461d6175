import { describe, expect, it } from 'vitest';
import {
  detectPersonalData,
  dniCheckLetter,
  IBAN_LENGTHS,
  isPersonalPhoneNumber,
  isValidDni,
  isValidIban,
  isValidNie,
  isValidNss,
  nssControlDigits,
  PERSONAL_DATA_DETECTORS,
  type PersonalDataDetector,
} from '../../src/policy/personal-data.js';
import labelled from './fixtures/personal-data-labelled.json' with { type: 'json' };

/** The detections in a text as [detector, the text they cover]. */
function found(text: string): [PersonalDataDetector, string][] {
  return detectPersonalData(text).map((match) => [match.detector, text.slice(match.start, match.end)]);
}

describe('validators', () => {
  it('checks the DNI letter: number mod 23 in TRWAGMYFPDXBNJZSQVHLCKE', () => {
    expect(dniCheckLetter(12345678)).toBe('Z');
    expect(dniCheckLetter(0)).toBe('T');
    expect(isValidDni('12345678Z')).toBe(true);
    expect(isValidDni('12.345.678-z')).toBe(true);
    expect(isValidDni('12 345 678 Z')).toBe(true);
    expect(isValidDni('00000000T')).toBe(true);
    expect(isValidDni('12345678A')).toBe(false);
    expect(isValidDni('1234567L')).toBe(false);
    expect(isValidDni('123456789Z')).toBe(false);
    expect(isValidDni('X1234567L')).toBe(false);
  });

  it('checks the NIE letter with X, Y, Z read as 0, 1, 2', () => {
    expect(isValidNie('X1234567L')).toBe(true);
    expect(isValidNie('y-1234567-x')).toBe(true);
    expect(isValidNie('Z 1234567 R')).toBe(true);
    expect(isValidNie('X1234567A')).toBe(false);
    expect(isValidNie('W1234567L')).toBe(false);
    expect(isValidNie('X12345678L')).toBe(false);
    expect(isValidNie('12345678Z')).toBe(false);
  });

  it('checks the IBAN by ISO 13616 mod 97, with each country its length', () => {
    expect(isValidIban('ES91 2100 0418 4502 0005 1332')).toBe(true);
    expect(isValidIban('ES9121000418450200051332')).toBe(true);
    expect(isValidIban('es91 2100 0418 4502 0005 1332')).toBe(true);
    expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(isValidIban('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(isValidIban('FR14 2004 1010 0505 0001 3M02 606')).toBe(true);
    expect(isValidIban('NO93 8601 1117 947')).toBe(true);
    expect(isValidIban('ES91 2100 0418 4502 0005 1333')).toBe(false); // one digit off
    expect(isValidIban('ES19 2100 0418 4502 0005 1332')).toBe(false); // check digits swapped
    expect(isValidIban('ES91 2100 0418 4502 0005 133')).toBe(false); // too short for ES
    expect(isValidIban('XX91 2100 0418 4502 0005 1332')).toBe(false); // no such country
    expect(isValidIban('2100 0418 4502 0005 1332')).toBe(false); // a CCC, no country
  });

  it('knows every SEPA country', () => {
    const sepa =
      'AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO SE SI SK SM VA';
    for (const country of sepa.split(' ')) expect(IBAN_LENGTHS[country], country).toBeGreaterThanOrEqual(15);
  });

  it('checks the NSS control: mod 97 of province and serial, the serial 7 digits long when below 10⁷', () => {
    expect(nssControlDigits(28, 12345678)).toBe(40); // 2812345678 mod 97
    expect(nssControlDigits(28, 1234567)).toBe(42); // 281234567 mod 97
    expect(isValidNss('28/12345678/40')).toBe(true);
    expect(isValidNss('28 12345678 40')).toBe(true);
    expect(isValidNss('281234567840')).toBe(true);
    expect(isValidNss('28/01234567/42')).toBe(true);
    expect(isValidNss('28/12345678/41')).toBe(false);
    expect(isValidNss('28/1234567/42')).toBe(false); // 11 digits: an employer's account (CCC)
    expect(isValidNss(`00/12345678/${String(nssControlDigits(0, 12345678)).padStart(2, '0')}`)).toBe(false);
  });

  it('takes mobiles and landlines as personal phones, not 80x and 90x service numbers', () => {
    for (const number of ['612345678', '712345678', '912345678', '881234567', '971234567']) {
      expect(isPersonalPhoneNumber(number), number).toBe(true);
    }
    for (const number of ['900123456', '901123456', '902123456', '905123456', '803123456', '806123456', '807123456']) {
      expect(isPersonalPhoneNumber(number), number).toBe(false);
    }
    expect(isPersonalPhoneNumber('512345678')).toBe(false);
    expect(isPersonalPhoneNumber('61234567')).toBe(false);
  });
});

describe('detectPersonalData', () => {
  it('finds nothing in ordinary text', () => {
    expect(detectPersonalData('')).toEqual([]);
    expect(detectPersonalData('Reunión el 12/03/2024 a las 10:30 en la sala 2, según la Ley 39/2015.')).toEqual([]);
  });

  it('reports the detector, UTF-16 offsets and a masked form', () => {
    const text = '😀 Mi DNI es 12345678Z.';
    expect(detectPersonalData(text)).toEqual([{ detector: 'DNI', start: 13, end: 22, masked: 'DNI ****678Z' }]);
  });

  it('masks every detector to its last four significant characters, e-mails to a letter and the domain', () => {
    const text =
      'DNI 12.345.678-z, NIE X-1234567-L, IBAN ES91 2100 0418 4502 0005 1332, tel +34 612 34 56 78, ' +
      'NSS 28/12345678/40, correo ana.garcia@ajuntament-example.cat';
    expect(detectPersonalData(text).map((match) => match.masked)).toEqual([
      'DNI ****678Z',
      'NIE ****567L',
      'IBAN ****1332',
      'PHONE ****5678',
      'NSS ****7840',
      'EMAIL a***@ajuntament-example.cat',
    ]);
  });

  it('returns matches sorted by start and never overlapping', () => {
    const text = 'Escribid a 612345678@ayto-example.es o al 699 12 34 56; DNI 12345678Z.';
    const matches = detectPersonalData(text);
    expect(found(text)).toEqual([
      ['EMAIL', '612345678@ayto-example.es'],
      ['PHONE', '699 12 34 56'],
      ['DNI', '12345678Z'],
    ]);
    for (let i = 1; i < matches.length; i++) {
      expect(matches[i]?.start).toBeGreaterThanOrEqual(matches[i - 1]?.end ?? 0);
    }
  });

  describe('DNI', () => {
    it('reads it with or without dots, dashes, spaces and in lower case', () => {
      for (const dni of [
        '12345678Z',
        '12345678z',
        '12345678-Z',
        '12.345.678-Z',
        '12.345.678Z',
        '12345678 Z',
        '12 345 678 Z',
      ]) {
        expect(found(`El DNI ${dni}, gracias`), dni).toEqual([['DNI', dni]]);
      }
    });

    it('skips a wrong letter and digits inside longer codes', () => {
      expect(found('DNI 12345678A')).toEqual([]);
      expect(found('Expte. 2024/12345678Z')).toEqual([]);
      expect(found('Referencia REF12345678Z')).toEqual([]);
      expect(found('CIF B-12345678')).toEqual([]);
      expect(found('scan_12345678Z.pdf')).toEqual([]);
    });

    it('reads a DNI or NIF label glued to the number, but not a longer word', () => {
      expect(found('DNI12345678Z')).toEqual([['DNI', '12345678Z']]);
      expect(found('NIF:12345678Z')).toEqual([['DNI', '12345678Z']]);
      expect(found('CODNI12345678Z')).toEqual([]);
    });

    it('still sees a DNI used as a file name', () => {
      expect(found('He subido 12345678Z.pdf')).toEqual([['DNI', '12345678Z']]);
    });

    it('does not take a following one-letter word for the check letter', () => {
      // 56789004 mod 23 = 3 → A; "a" here is the preposition.
      expect(dniCheckLetter(56789004)).toBe('A');
      expect(found('pasó de 56789004 a 3 millones')).toEqual([]);
      expect(found('DNI 56789004 A')).toEqual([['DNI', '56789004 A']]);
    });
  });

  describe('NIE', () => {
    it('reads X, Y and Z with the usual layouts', () => {
      for (const nie of ['X1234567L', 'x1234567l', 'X-1234567-L', 'Y 1234567 X', 'Z1234567-R']) {
        expect(found(`NIE: ${nie}.`), nie).toEqual([['NIE', nie]]);
      }
    });

    it('skips wrong letters, wrong initials and wrong lengths', () => {
      expect(found('NIE X1234567A')).toEqual([]);
      expect(found('Código W1234567L')).toEqual([]);
      expect(found('NIE X12345678L')).toEqual([]);
      expect(found('NIE X1234567 sin letra')).toEqual([]);
    });
  });

  describe('IBAN', () => {
    it('reads any registered country, grouped or not', () => {
      for (const iban of [
        'ES91 2100 0418 4502 0005 1332',
        'ES9121000418450200051332',
        'DE89 3704 0044 0532 0130 00',
        'GB82 WEST 1234 5698 7654 32',
        'FR1420041010050500013M02606',
        'es91 2100 0418 4502 0005 1332',
      ]) {
        expect(found(`Cuenta: ${iban}.`), iban).toEqual([['IBAN', iban]]);
      }
    });

    it('skips wrong check digits, wrong lengths and longer runs', () => {
      expect(found('IBAN ES91 2100 0418 4502 0005 1333')).toEqual([]);
      expect(found('IBAN ES91 2100 0418 4502 0005 133')).toEqual([]);
      expect(found('IBAN ES91 2100 0418 4502 0005 1332 7')).toEqual([]);
      expect(found('REFES9121000418450200051332')).toEqual([]);
      expect(found('CCC 2100 0418 4502 0005 1332')).toEqual([]);
    });
  });

  describe('PHONE', () => {
    it('reads mobiles and landlines with +34, 0034 and the common groupings', () => {
      for (const phone of [
        '612345678',
        '612 345 678',
        '612 34 56 78',
        '612-345-678',
        '612.345.678',
        '91 123 45 67',
        '(91) 123 45 67',
        '+34 612 345 678',
        '+34612345678',
        '0034 612345678',
        '(+34) 612 34 56 78',
        '+34-912-345-678',
        '712 345 678',
      ]) {
        expect(found(`Llamadme al ${phone}, gracias.`), phone).toEqual([['PHONE', phone]]);
      }
    });

    it('skips service numbers, which reach an organisation rather than a person', () => {
      for (const number of [
        '900 123 456',
        '901123456',
        '+34 902 123 456',
        '905 12 34 56',
        '803 123 456',
        '806123456',
      ]) {
        expect(found(`Llamad al ${number}.`), number).toEqual([]);
      }
    });

    it('skips numbers that are parts of file numbers, budget lines, dates, codes and amounts', () => {
      for (const text of [
        'Expte. 2024/000123456',
        'Expediente n.º 612345678',
        'Número de factura 912345678',
        'Aplicación presupuestaria 1532.609.00',
        'Ley 39/2015, de 1 de octubre',
        'Código postal 28013',
        'DIR3 L01280796',
        'Referencia catastral 9872023VH5797S0001WX',
        'Presupuesto: 612.345.678 €',
        'Una inversión de 650 000 000 de euros',
        'Código de verificación 912345678',
        'Importe 612.345.678,50',
        'EXP-612345678',
        'Registro 2024-612345678',
        'ISBN 978-84-376-0494-7',
        'Paris: +33 6 12 34 56 78',
        '612345678901',
        '61234567',
      ]) {
        expect(found(text), text).toEqual([]);
      }
    });

    it('lets a phone word outweigh a reference word, and +34 outweigh both', () => {
      expect(found('Teléfono de referencia 612345678')).toEqual([['PHONE', '612345678']]);
      expect(found('Expediente: +34 612345678')).toEqual([['PHONE', '+34 612345678']]);
      expect(found('Para dudas sobre la factura, llamad al 612345678')).toEqual([['PHONE', '612345678']]);
    });

    it('reads two numbers written with a slash between them as two phones', () => {
      expect(found('Tel. 912345678/612345678')).toEqual([
        ['PHONE', '912345678'],
        ['PHONE', '612345678'],
      ]);
    });
  });

  describe('EMAIL', () => {
    it('reads addresses with dots, plus tags, hyphens, subdomains and accents', () => {
      for (const email of [
        'ana.garcia@ayto-example.es',
        'j.perez+formacion@correo.example.gob.es',
        'RRHH@Example.CAT',
        'josé.martí@ajuntament-example.cat',
      ]) {
        expect(found(`Escribid a ${email}.`), email).toEqual([['EMAIL', email]]);
      }
      expect(found('Contacto: mailto:ana@example.es')).toEqual([['EMAIL', 'ana@example.es']]);
    });

    it('skips @handles, addresses without a domain, obfuscated ones and URL credentials', () => {
      for (const text of [
        'Gracias @ana.garcia por la ayuda',
        'Gracias @ana',
        'usuario ana@intranet',
        'ana [arroba] example.es',
        'https://usuario:clave@intranet.example.es/',
        'ana..garcia@example.es',
        'node@20.19.0',
        'ana@example.e',
      ]) {
        expect(found(text), text).toEqual([]);
      }
    });
  });

  describe('NSS', () => {
    it('reads the 12 digits with slashes, spaces, dashes or none', () => {
      for (const nss of ['28/12345678/40', '28 12345678 40', '28-12345678-40', '281234567840', '28/01234567/42']) {
        expect(found(`NSS: ${nss}.`), nss).toEqual([['NSS', nss]]);
      }
    });

    it('skips wrong controls, employer accounts and other lengths', () => {
      expect(found('NSS 28/12345678/41')).toEqual([]);
      expect(found('CCC 28/1234567/42')).toEqual([]);
      expect(found('Registro 2812345678401')).toEqual([]);
      expect(found('Expte. 2024/12345678/40')).toEqual([]);
    });
  });
});

interface LabelledEntry {
  about: PersonalDataDetector;
  lang: 'es' | 'ca' | 'en';
  text: string;
  expected: { detector: PersonalDataDetector; value: string }[];
}

const ENTRIES = labelled as LabelledEntry[];

describe('the labelled set', () => {
  it('has at least 40 positives and 40 near misses per detector, in Spanish, Catalan and English', () => {
    for (const detector of PERSONAL_DATA_DETECTORS) {
      const about = ENTRIES.filter((entry) => entry.about === detector);
      const positives = about.filter((entry) => entry.expected.length > 0);
      expect(positives.length, detector).toBeGreaterThanOrEqual(40);
      expect(about.length - positives.length, detector).toBeGreaterThanOrEqual(40);
      expect(new Set(about.map((entry) => entry.lang)), detector).toEqual(new Set(['es', 'ca', 'en']));
    }
  });

  it('holds only identifiers whose checks pass, each as written in its text', () => {
    const validators: Partial<Record<PersonalDataDetector, (value: string) => boolean>> = {
      DNI: isValidDni,
      NIE: isValidNie,
      IBAN: isValidIban,
      NSS: isValidNss,
    };
    for (const entry of ENTRIES) {
      for (const item of entry.expected) {
        expect(entry.text).toContain(item.value);
        expect(validators[item.detector]?.(item.value) ?? true, item.value).toBe(true);
      }
    }
  });

  it('is found with 100 % recall and at least 95 % precision per detector', () => {
    const counts = Object.fromEntries(
      PERSONAL_DATA_DETECTORS.map((detector) => [detector, { truePositives: 0, falsePositives: 0, falseNegatives: 0 }]),
    ) as Record<PersonalDataDetector, { truePositives: number; falsePositives: number; falseNegatives: number }>;
    const mistakes: string[] = [];
    for (const entry of ENTRIES) {
      const missing = [...entry.expected];
      for (const [detector, value] of found(entry.text)) {
        const index = missing.findIndex((item) => item.detector === detector && item.value === value);
        if (index >= 0) {
          counts[detector].truePositives++;
          missing.splice(index, 1);
        } else {
          counts[detector].falsePositives++;
          mistakes.push(`false ${detector} "${value}" in: ${entry.text}`);
        }
      }
      for (const item of missing) {
        counts[item.detector].falseNegatives++;
        mistakes.push(`missed ${item.detector} "${item.value}" in: ${entry.text}`);
      }
    }
    const figures = PERSONAL_DATA_DETECTORS.map((detector) => {
      const { truePositives, falsePositives, falseNegatives } = counts[detector];
      const precision = truePositives / (truePositives + falsePositives || 1);
      const recall = truePositives / (truePositives + falseNegatives || 1);
      const positives = ENTRIES.filter((entry) => entry.about === detector && entry.expected.length > 0).length;
      const negatives = ENTRIES.filter((entry) => entry.about === detector && entry.expected.length === 0).length;
      return { detector, precision, recall, positives, negatives };
    });
    console.info(
      figures
        .map(
          ({ detector, precision, recall, positives, negatives }) =>
            `${detector.padEnd(5)} precision ${(precision * 100).toFixed(1)} %  recall ${(recall * 100).toFixed(1)} %  (${positives} positives, ${negatives} near misses)`,
        )
        .join('\n'),
    );
    expect(mistakes).toEqual([]);
    for (const { detector, precision, recall } of figures) {
      expect(recall, detector).toBe(1);
      expect(precision, detector).toBeGreaterThanOrEqual(0.95);
    }
  });
});

describe('speed', () => {
  it('scans a 20 000-character post (measured, not asserted)', () => {
    const paragraph =
      'Buenos días: adjunto el acta de la reunión del 12/03/2024 sobre el expediente 2024/000123456 y la ' +
      'aplicación presupuestaria 1532.609.00. Para dudas, escribid a ana.garcia@ayto-example.es o llamad al ' +
      '612 345 678. La Llei 39/2015 obliga a notificar en deu dies; el codi DIR3 és L01280796. ';
    const post = paragraph.repeat(Math.ceil(20_000 / paragraph.length)).slice(0, 20_000);
    expect(detectPersonalData(post).length).toBeGreaterThan(0);
    // Warm up first: the figure is for a running server, not for the first call after start-up.
    for (let i = 0; i < 50; i++) detectPersonalData(post);
    const rounds = 200;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) detectPersonalData(post);
    const perPost = (performance.now() - started) / rounds;
    console.info(`detectPersonalData: ${perPost.toFixed(3)} ms per 20 000-character post (mean of ${rounds})`);
  });
});
