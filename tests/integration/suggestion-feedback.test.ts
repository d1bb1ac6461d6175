import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSuggestionFeedbackReport } from '../../src/admin/admin-suggestion-feedback.js';
import { createDb, type Db } from '../../src/db/client.js';
import { Invalid } from '../../src/errors.js';
import type { PostTag } from '../../src/policy/tags.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createCommunity, createOrganization, createUser } from '../support/factories.js';

// The suggestion feedback report (issue 13, item 2) on decisions written for the test, in a period of
// its own (1999), with the figures counted by hand below.

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url, 2);
});

afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const at = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('the suggestion feedback report', () => {
  it('sums up the decisions of the period, with the language of each post, and nothing outside it', async () => {
    const organization = await createOrganization(db);
    const author = await createUser(db, { organizationId: organization.id });
    const community = await createCommunity(db, { organizationId: organization.id, ownerId: author.id });
    const thread = await db.thread.create({
      data: { communityId: community.id, authorId: author.id, title: 'Hilo', kind: 'DISCUSSION', tag: 'PROFESSIONAL' },
    });
    async function decision(
      source: string | null,
      suggestedTag: PostTag,
      chosenTag: PostTag,
      confidence: number,
      day: string,
    ) {
      const post =
        source === null
          ? null
          : await db.post.create({
              data: { threadId: thread.id, authorId: author.id, source, html: `<p>${source}</p>`, tag: chosenTag },
            });
      await db.policyDecision.create({
        data: {
          postId: post?.id ?? null,
          communityId: community.id,
          authorId: author.id,
          chosenTag,
          suggestedTag,
          confidence,
          outcome: post ? 'ALLOW' : 'REJECT',
          createdAt: at(day),
        },
      });
    }
    await decision(
      '¿Cómo tramitáis las bajas de oficio del padrón en vuestro ayuntamiento?',
      'PROFESSIONAL',
      'PROFESSIONAL',
      0.97,
      '1999-03-01',
    );
    await decision(
      'Hoy me jubilo y quería daros las gracias a todos los compañeros.',
      'PERSONAL',
      'PROFESSIONAL',
      0.93,
      '1999-03-02',
    );
    await decision(
      "L'Ajuntament informa que dilluns el Registre estarà tancat per festa local.",
      'ORGANIZATIONAL',
      'ORGANIZATIONAL',
      0.99,
      '1999-03-03',
    );
    await decision(
      'How do you handle subject access requests that cover years of e-mails?',
      'PROFESSIONAL',
      'PERSONAL',
      0.6,
      '1999-03-04',
    );
    await decision(null, 'PERSONAL', 'ORGANIZATIONAL', 0.8, '1999-03-05'); // refused: no text kept
    await decision(
      'Fuera del periodo: el Ayuntamiento informa del cierre.',
      'ORGANIZATIONAL',
      'PERSONAL',
      0.99,
      '1999-05-01',
    );

    const report = createSuggestionFeedbackReport({ db });
    const feedback = await report.summarize({ from: at('1999-03-01'), to: at('1999-04-01') }, at('2026-11-30'));
    expect(feedback.overall).toMatchObject({ decisions: 5, kept: 2, keptShare: 0.4 });
    expect(feedback.overall.confusion.PERSONAL).toEqual({ PERSONAL: 0, PROFESSIONAL: 1, ORGANIZATIONAL: 1 });
    expect(feedback.perLanguage.es).toMatchObject({ decisions: 2, kept: 1, keptShare: 0.5 });
    expect(feedback.perLanguage.ca).toMatchObject({ decisions: 1, kept: 1, keptShare: 1 });
    expect(feedback.perLanguage.en).toMatchObject({ decisions: 1, kept: 0, keptShare: 0 });
    expect(feedback.perLanguage.unknown).toMatchObject({ decisions: 1, kept: 0, keptShare: 0 });
    // ≥ 0.9: 0.97 kept, 0.93 not, 0.99 kept; below: 0.6 and 0.8, neither kept.
    expect(feedback.confident).toEqual({ decisions: 3, kept: 2, keptShare: 0.667 });
    expect(feedback.unsure).toEqual({ decisions: 2, kept: 0, keptShare: 0 });
    // No post text in what it returns.
    expect(JSON.stringify(feedback)).not.toMatch(/padrón|jubilo|Registre|subject access/);
  });

  it('refuses a period that is backwards, longer than five years or in the future, with a message key', async () => {
    const report = createSuggestionFeedbackReport({ db });
    const now = at('2026-11-30');
    const refusal = async (from: string, to: string) => {
      const error = await report.summarize({ from: at(from), to: at(to) }, now).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Invalid);
      return (error as Invalid).fieldErrors;
    };
    expect(await refusal('2026-06-01', '2026-01-01')).toEqual({ to: { key: 'admin.feedback.period.backwards' } });
    expect(await refusal('2015-01-01', '2026-01-01')).toEqual({ from: { key: 'admin.feedback.period.tooLong' } });
    expect(await refusal('2027-01-01', '2027-02-01')).toEqual({ from: { key: 'admin.feedback.period.future' } });
  });
});
