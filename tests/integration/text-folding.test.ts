import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldText } from '../../src/text/fold.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// src/text/fold.ts and the SQL agora_fold() (migration text_search) must fold every letter alike: topics
// are keyed in TypeScript, search and people are matched in SQL.

let database: TestDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await database?.drop();
});

describe('foldText and agora_fold()', () => {
  it('agree on every letter of Latin-1 and Latin Extended-A, alone and in words', async () => {
    const samples: string[] = [];
    for (let code = 0x41; code < 0x180; code++) {
      const letter = String.fromCodePoint(code);
      if (/\p{L}/u.test(letter)) samples.push(letter, `x${letter}y`);
    }
    samples.push('Contratación', 'AÑO', 'Plaça', 'Col.legi', 'Coŀlegi', 'l’Ajuntament', 'an\u0303o', 'ÇA', 'Ïsaac');
    const { rows } = await client.query<{ text: string; folded: string }>(
      'SELECT text, agora_fold(text) AS folded FROM unnest($1::text[]) AS text',
      [samples],
    );
    const disagreements = rows.filter((row) => foldText(row.text) !== row.folded);
    expect(disagreements.map((row) => `${row.text}: sql ${row.folded}, ts ${foldText(row.text)}`)).toEqual([]);
    expect(rows).toHaveLength(samples.length);
  });

  it('picks the Spanish, Catalan and English stemmers, and "simple" for anything else', async () => {
    const { rows } = await client.query<{ language: string; config: string }>(
      "SELECT language, agora_ts_config(language)::text AS config FROM unnest(ARRAY['es','ca','en','und','gl']) AS language",
    );
    expect(Object.fromEntries(rows.map((row) => [row.language, row.config]))).toEqual({
      es: 'spanish',
      ca: 'catalan',
      en: 'english',
      und: 'simple',
      gl: 'simple',
    });
  });
});
