import { parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import commonPasswordList from '../../src/accounts/common-passwords.json' with { type: 'json' };
import {
  ARGON2_PARAMS,
  checkPassword,
  DUMMY_HASH,
  hashPassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
  verifyAgainstDummy,
  verifyPassword,
} from '../../src/accounts/password.js';

/** An unremarkable password of exactly `length` code points. */
function passwordOf(length: number, alphabet = 'Tzk-rV9q!mW2 xoL'): string {
  return [...alphabet.repeat(Math.ceil(length / [...alphabet].length))].slice(0, length).join('');
}

const NOBODY = {};

describe('checkPassword: length', () => {
  it('counts from PASSWORD_MIN = 12 to PASSWORD_MAX = 256 code points', () => {
    expect(PASSWORD_MIN).toBe(12);
    expect(PASSWORD_MAX).toBe(256);
    expect(checkPassword(passwordOf(11), NOBODY)).toBe('too_short');
    expect(checkPassword(passwordOf(12), NOBODY)).toBeNull();
    expect(checkPassword(passwordOf(256), NOBODY)).toBeNull();
    expect(checkPassword(passwordOf(257), NOBODY)).toBe('too_long');
    expect(checkPassword('', NOBODY)).toBe('too_short');
  });

  it('refuses a 300-character password instead of truncating it', () => {
    expect(checkPassword(passwordOf(300), NOBODY)).toBe('too_long');
    expect(checkPassword('x'.repeat(100_000), NOBODY)).toBe('too_long');
  });

  it('counts an emoji as one character, not as its two UTF-16 units', () => {
    expect('🐢'.repeat(11).length).toBe(22);
    expect(checkPassword('🐢'.repeat(11), NOBODY)).toBe('too_short');
    expect(checkPassword('🐢'.repeat(12), NOBODY)).toBeNull();
    expect(checkPassword(`🐢🦔🐙🦉🐝${passwordOf(6)}`, NOBODY)).toBe('too_short');
    expect(checkPassword('🐢'.repeat(256), NOBODY)).toBeNull();
    expect(checkPassword('🐢'.repeat(257), NOBODY)).toBe('too_long');
  });

  it('counts spaces, leading and trailing included: nothing is trimmed', () => {
    expect(checkPassword(`  ${passwordOf(10, 'Tzkrq')}`, NOBODY)).toBeNull();
    expect(checkPassword(`  ${passwordOf(9, 'Tzkrq')}`, NOBODY)).toBe('too_short');
    expect(checkPassword(`${passwordOf(9, 'Tzkrq')}   `, NOBODY)).toBeNull();
    expect(checkPassword('mi gato come pescado', NOBODY)).toBeNull();
  });

  it('counts code points as typed, without normalising: a decomposed accent is two', () => {
    expect(checkPassword('é'.repeat(6), NOBODY)).toBe('too_short');
    expect(checkPassword('e\u0301'.repeat(6), NOBODY)).toBeNull();
  });

  it('asks for no composition: letters only, digits only or symbols only are fine when long and uncommon', () => {
    expect(checkPassword('tranquilamente', NOBODY)).toBeNull();
    expect(checkPassword('31415926535897', NOBODY)).toBeNull();
    expect(checkPassword('¡¿·@#~€¬&%$!?', NOBODY)).toBeNull();
  });
});

describe('checkPassword: common passwords', () => {
  it('ships a list of at least 10 000 lower-case passwords that the length rule lets through', () => {
    expect(commonPasswordList.length).toBeGreaterThanOrEqual(10_000);
    expect(commonPasswordList.every((entry) => entry === entry.toLowerCase())).toBe(true);
    expect(commonPasswordList.every((entry) => [...entry].length >= PASSWORD_MIN)).toBe(true);
  });

  it.each([
    '123456789012',
    'password1234',
    'qwertyuiopas',
    'qwertyuiop12',
    '1qaz2wsx3edc',
    'iloveyou1234',
    'aaaaaaaaaaaa',
  ])('refuses %s', (password) => {
    expect(checkPassword(password, NOBODY)).toBe('common');
  });

  it('compares case-insensitively', () => {
    expect(checkPassword('PASSWORD1234', NOBODY)).toBe('common');
    expect(checkPassword('Password1234', NOBODY)).toBe('common');
    expect(checkPassword('QwErTyUiOpAs', NOBODY)).toBe('common');
  });

  it('refuses only the whole password, not a password that contains a common one', () => {
    expect(checkPassword('password1234 con mi perro Trasto', NOBODY)).toBeNull();
  });
});

describe('checkPassword: personal data', () => {
  const maria = { email: 'maria.garcia@ajuntament.cat', handle: 'mgarcia', displayName: 'María García Puig' };

  it('refuses the e-mail local part, alone or inside the password, in any case', () => {
    expect(checkPassword('maria.garcia', maria)).toBe('personal');
    expect(checkPassword('2024-Maria.Garcia-!', maria)).toBe('personal');
    expect(checkPassword('2024-Maria.Garcia-!', NOBODY)).toBeNull();
  });

  it('refuses the parts of the local part', () => {
    expect(checkPassword('garcia-en-la-playa', { email: 'maria.garcia@ajuntament.cat' })).toBe('personal');
  });

  it('refuses the handle', () => {
    expect(checkPassword('soy-MGARCIA-de-girona', { handle: 'mgarcia' })).toBe('personal');
    expect(checkPassword('soy-MGARCIA-de-girona', { handle: 'jpuig' })).toBeNull();
  });

  it('refuses the words of the display name', () => {
    expect(checkPassword('señora garcía 1975', { displayName: 'María García Puig' })).toBe('personal');
    expect(checkPassword('el puig de les bruixes', { displayName: 'María García Puig' })).toBe('personal');
  });

  it('ignores personal data shorter than 4 characters', () => {
    expect(
      checkPassword('ana-bebe-te-verde', { handle: 'ana', email: 'ana@ajuntament.cat', displayName: 'Ana Gil' }),
    ).toBeNull();
    expect(checkPassword('anna-beu-te-verd', { handle: 'anna' })).toBe('personal');
  });

  it('does not count the shared e-mail domain as personal', () => {
    expect(checkPassword('el ajuntament de girona', maria)).toBeNull();
  });

  it('lets through a password unrelated to the person', () => {
    expect(checkPassword('el gat negre dorm al sol', maria)).toBeNull();
  });
});

describe('hashPassword and verifyPassword', () => {
  it('hashes with argon2id and OWASP minimum parameters, a new salt every time', async () => {
    const first = await hashPassword('el gat negre dorm al sol');
    const second = await hashPassword('el gat negre dorm al sol');
    expect(first.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(second).not.toBe(first);
    expect(ARGON2_PARAMS).toEqual({ algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('el gat negre dorm al sol');
    expect(await verifyPassword(stored, 'el gat negre dorm al sol')).toBe(true);
    expect(await verifyPassword(stored, 'el gat negre dorm al sol ')).toBe(false);
    expect(await verifyPassword(stored, 'El gat negre dorm al sol')).toBe(false);
  });

  it('keeps leading and trailing spaces', async () => {
    const stored = await hashPassword('  espais a les vores  ');
    expect(await verifyPassword(stored, '  espais a les vores  ')).toBe(true);
    expect(await verifyPassword(stored, 'espais a les vores')).toBe(false);
  });

  it('uses every character: a long password is not truncated, an accent is not normalised', async () => {
    const long = passwordOf(PASSWORD_MAX);
    const stored = await hashPassword(long);
    expect(await verifyPassword(stored, long)).toBe(true);
    expect(await verifyPassword(stored, long.slice(0, 72))).toBe(false);
    expect(await verifyPassword(stored, long.slice(0, -1))).toBe(false);

    const composed = 'cafè amb llet i sucre';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(false);
  });

  it('answers false, without throwing, for a hash it cannot read', async () => {
    for (const malformed of ['', 'not-a-hash', '$argon2id$v=19$m=19456,t=2,p=1$', '$2b$10$abcdefghijklmnopqrstuv']) {
      expect(await verifyPassword(malformed, 'el gat negre dorm al sol')).toBe(false);
    }
  });
});

describe('verifyAgainstDummy', () => {
  it('verifies against a hash made with the current parameters, so it costs what a real check costs', () => {
    expect(parseOptions(DUMMY_HASH)).toMatchObject({
      algorithm: ARGON2_PARAMS.algorithm,
      memoryCost: ARGON2_PARAMS.memoryCost,
      timeCost: ARGON2_PARAMS.timeCost,
      parallelism: ARGON2_PARAMS.parallelism,
    });
  });

  it('always answers false', async () => {
    expect(await verifyAgainstDummy('el gat negre dorm al sol')).toBe(false);
    expect(await verifyAgainstDummy('')).toBe(false);
  });
});
