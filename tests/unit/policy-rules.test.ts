import { describe, expect, it } from 'vitest';
import { suggestTag } from '../../src/policy/classifier.js';
import {
  availableTags,
  decidePost,
  messageKeyFor,
  mostSevere,
  OUTCOMES,
  POLICY_RULE_CODES,
  type PolicyInput,
  SUGGESTION_WARN_CONFIDENCE,
  warningDigest,
} from '../../src/policy/rules.js';
import { POST_TAGS, type PostTag } from '../../src/policy/tags.js';
import { compileWatchedWords } from '../../src/policy/watched-words.js';

const OWNER_ORG = 'org-owner';
const OTHER_ORG = 'org-other';

// Texts whose suggestion agrees with the tag they are posted under, so the suggestion rule stays quiet
// unless a test wants it.
const TEXT: Record<PostTag, string> = {
  PERSONAL: 'Hoy me jubilo y estoy muy emocionada. Gracias a todos por estos años.',
  PROFESSIONAL:
    '¿Cómo gestionáis las notificaciones electrónicas en vuestro ayuntamiento? Comparto nuestro procedimiento.',
  ORGANIZATIONAL:
    'El Ayuntamiento informa de que se abre el plazo de presentación de solicitudes para los cursos de formación.',
};

type Overrides = {
  author?: Partial<PolicyInput['author']>;
  community?: Partial<PolicyInput['community']>;
  thread?: Partial<PolicyInput['thread']>;
} & Partial<Omit<PolicyInput, 'author' | 'community' | 'thread'>>;

/** An employee member posting a professional reply in a discussion of a community that welcomes every tag. */
function input(overrides: Overrides = {}): PolicyInput {
  const chosenTag = overrides.chosenTag ?? 'PROFESSIONAL';
  return {
    author: { kind: 'EMPLOYEE', officialVoiceFor: [], communityRole: 'MEMBER', ...overrides.author },
    community: {
      welcomedTags: [...POST_TAGS],
      ownerOrganizationId: OWNER_ORG,
      audience: 'INTERNAL',
      ...overrides.community,
    },
    thread: { kind: 'DISCUSSION', isOpeningPost: false, ...overrides.thread },
    chosenTag,
    onBehalfOf: overrides.onBehalfOf ?? null,
    text: overrides.text ?? TEXT[chosenTag],
    watchedWords: overrides.watchedWords,
  };
}

const codes = (overrides: Overrides) => decidePost(input(overrides)).rules.map((rule) => rule.code);
const officialVoice = { officialVoiceFor: [OWNER_ORG] };

describe('the texts the tests rely on', () => {
  it('are suggested the tag they are posted under', () => {
    for (const tag of POST_TAGS) expect(suggestTag(TEXT[tag]).tag).toBe(tag);
  });
});

describe('decidePost', () => {
  it('allows an ordinary post, with the chosen tag and the suggestion, and no rules', () => {
    const decision = decidePost(input());
    expect(decision).toEqual({
      outcome: 'ALLOW',
      tag: 'PROFESSIONAL',
      suggestion: suggestTag(TEXT.PROFESSIONAL),
      rules: [],
    });
  });

  describe("the community's welcomed tags", () => {
    it('rejects a tag the community does not welcome, naming the welcomed ones', () => {
      const decision = decidePost(
        input({ chosenTag: 'PERSONAL', community: { welcomedTags: ['ORGANIZATIONAL', 'PROFESSIONAL'] } }),
      );
      expect(decision.outcome).toBe('REJECT');
      expect(decision.rules).toEqual([
        {
          code: 'tag-not-welcomed',
          outcome: 'REJECT',
          messageKey: 'policy.rule.tag-not-welcomed',
          params: { tag: 'PERSONAL', welcomed: 'PROFESSIONAL, ORGANIZATIONAL' },
        },
      ]);
    });

    it('allows a welcomed tag', () => {
      expect(decidePost(input({ community: { welcomedTags: ['PROFESSIONAL'] } })).outcome).toBe('ALLOW');
    });
  });

  describe('organizational posts only from official voices', () => {
    it('allows an official voice speaking on behalf of their organization', () => {
      const decision = decidePost(input({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: OWNER_ORG, author: officialVoice }));
      expect(decision.outcome).toBe('ALLOW');
      expect(decision.tag).toBe('ORGANIZATIONAL');
    });

    it('allows an official voice of another organization than the owner', () => {
      const decision = decidePost(
        input({
          chosenTag: 'ORGANIZATIONAL',
          onBehalfOf: OTHER_ORG,
          author: { officialVoiceFor: [OWNER_ORG, OTHER_ORG] },
        }),
      );
      expect(decision.outcome).toBe('ALLOW');
    });

    it('rejects an organizational post that does not say for which organization', () => {
      expect(codes({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: null, author: officialVoice })).toEqual([
        'organizational-needs-organization',
      ]);
      expect(codes({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: '', author: officialVoice })).toEqual([
        'organizational-needs-organization',
      ]);
    });

    it('rejects someone who is not an official voice of that organization', () => {
      const decision = decidePost(input({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: OTHER_ORG, author: officialVoice }));
      expect(decision.outcome).toBe('REJECT');
      expect(decision.rules).toEqual([
        {
          code: 'organizational-not-official-voice',
          outcome: 'REJECT',
          messageKey: 'policy.rule.organizational-not-official-voice',
          params: { organizationId: OTHER_ORG },
        },
      ]);
      expect(codes({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: OWNER_ORG })).toEqual([
        'organizational-not-official-voice',
      ]);
    });

    it('rejects "on behalf of" on a post that is not organizational', () => {
      for (const chosenTag of ['PERSONAL', 'PROFESSIONAL'] as const) {
        expect(codes({ chosenTag, onBehalfOf: OWNER_ORG, author: officialVoice })).toEqual([
          'on-behalf-of-needs-organizational',
        ]);
      }
    });
  });

  describe("citizens' posts are personal", () => {
    it('allows a citizen a personal post', () => {
      expect(decidePost(input({ chosenTag: 'PERSONAL', author: { kind: 'CITIZEN' } })).outcome).toBe('ALLOW');
    });

    it('rejects a citizen a professional or organizational post', () => {
      expect(codes({ chosenTag: 'PROFESSIONAL', author: { kind: 'CITIZEN' } })).toEqual(['citizen-posts-personal']);
      expect(codes({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: OWNER_ORG, author: { kind: 'CITIZEN' } })).toEqual([
        'organizational-not-official-voice',
        'citizen-posts-personal',
      ]);
    });

    it('allows employees and partners every tag they may otherwise use', () => {
      for (const kind of ['EMPLOYEE', 'PARTNER'] as const) {
        for (const chosenTag of ['PERSONAL', 'PROFESSIONAL'] as const) {
          expect(decidePost(input({ chosenTag, author: { kind } })).outcome).toBe('ALLOW');
        }
      }
    });
  });

  describe('announcement threads', () => {
    const opening = { kind: 'ANNOUNCEMENT', isOpeningPost: true } as const;

    it('rejects an announcement opened by a plain member who is no official voice', () => {
      expect(codes({ thread: opening })).toEqual(['announcement-opening-restricted']);
      expect(codes({ thread: opening, author: { communityRole: null } })).toEqual(['announcement-opening-restricted']);
    });

    it('allows owners, moderators and official voices to open one', () => {
      expect(decidePost(input({ thread: opening, author: { communityRole: 'OWNER' } })).outcome).toBe('ALLOW');
      expect(decidePost(input({ thread: opening, author: { communityRole: 'MODERATOR' } })).outcome).toBe('ALLOW');
      const voice = input({
        thread: opening,
        chosenTag: 'ORGANIZATIONAL',
        onBehalfOf: OWNER_ORG,
        author: officialVoice,
      });
      expect(decidePost(voice).outcome).toBe('ALLOW');
    });

    it('rejects a personal opening post, even from a moderator', () => {
      expect(codes({ thread: opening, chosenTag: 'PERSONAL', author: { communityRole: 'MODERATOR' } })).toEqual([
        'announcement-not-personal',
      ]);
      expect(codes({ thread: opening, chosenTag: 'PERSONAL' })).toEqual([
        'announcement-opening-restricted',
        'announcement-not-personal',
      ]);
    });

    it('leaves replies to an announcement alone, personal ones included', () => {
      const reply = { kind: 'ANNOUNCEMENT', isOpeningPost: false } as const;
      expect(decidePost(input({ thread: reply })).outcome).toBe('ALLOW');
      expect(decidePost(input({ thread: reply, chosenTag: 'PERSONAL' })).outcome).toBe('ALLOW');
    });

    it('lets any member open a discussion or a question, with a personal post too', () => {
      for (const kind of ['DISCUSSION', 'QUESTION'] as const) {
        expect(decidePost(input({ thread: { kind, isOpeningPost: true }, chosenTag: 'PERSONAL' })).outcome).toBe(
          'ALLOW',
        );
      }
    });
  });

  describe('a confident suggestion that differs from the chosen tag', () => {
    it('warns, so the author confirms, naming both tags', () => {
      const decision = decidePost(
        input({ chosenTag: 'PROFESSIONAL', text: TEXT.ORGANIZATIONAL, author: officialVoice }),
      );
      expect(decision.suggestion.tag).toBe('ORGANIZATIONAL');
      expect(decision.suggestion.confidence).toBeGreaterThanOrEqual(SUGGESTION_WARN_CONFIDENCE);
      expect(decision.outcome).toBe('WARN');
      expect(decision.tag).toBe('PROFESSIONAL');
      expect(decision.rules).toEqual([
        {
          code: 'tag-differs-from-suggestion',
          outcome: 'WARN',
          messageKey: 'policy.rule.tag-differs-from-suggestion',
          params: {
            chosen: 'PROFESSIONAL',
            suggested: 'ORGANIZATIONAL',
            confidence: String(Math.round(decision.suggestion.confidence * 100)),
          },
        },
      ]);
    });

    it('warns an employee who tags a clearly personal post as professional', () => {
      expect(codes({ chosenTag: 'PROFESSIONAL', text: TEXT.PERSONAL })).toEqual(['tag-differs-from-suggestion']);
    });

    it('does not warn when the author chose the suggested tag', () => {
      for (const tag of POST_TAGS) {
        const decision = decidePost(
          input({ chosenTag: tag, onBehalfOf: tag === 'ORGANIZATIONAL' ? OWNER_ORG : null, author: officialVoice }),
        );
        expect(decision.rules).toEqual([]);
      }
    });

    it('does not warn when the suggestion is not confident', () => {
      const decision = decidePost(input({ chosenTag: 'PERSONAL', text: 'Hola' }));
      expect(decision.suggestion.confidence).toBeLessThan(SUGGESTION_WARN_CONFIDENCE);
      expect(decision.outcome).toBe('ALLOW');
      expect(decidePost(input({ chosenTag: 'PERSONAL', text: '' })).outcome).toBe('ALLOW');
    });

    it('does not push toward a tag the author could not choose', () => {
      // A citizen's technical question stays personal; a member relaying an announcement is no official voice.
      expect(
        decidePost(input({ chosenTag: 'PERSONAL', text: TEXT.PROFESSIONAL, author: { kind: 'CITIZEN' } })).outcome,
      ).toBe('ALLOW');
      expect(decidePost(input({ chosenTag: 'PROFESSIONAL', text: TEXT.ORGANIZATIONAL })).outcome).toBe('ALLOW');
      expect(
        decidePost(
          input({ chosenTag: 'PROFESSIONAL', text: TEXT.PERSONAL, community: { welcomedTags: ['PROFESSIONAL'] } }),
        ).outcome,
      ).toBe('ALLOW');
    });
  });

  describe('the outcome', () => {
    it('is the most severe of the rules: a refusal outweighs a warning', () => {
      const both = decidePost(
        input({
          chosenTag: 'PROFESSIONAL',
          text: TEXT.PERSONAL,
          community: { welcomedTags: ['PERSONAL', 'ORGANIZATIONAL'] },
        }),
      );
      expect(both.rules.map((rule) => rule.outcome)).toEqual(['REJECT', 'WARN']);
      expect(both.outcome).toBe('REJECT');
    });

    it('orders REJECT > HOLD > WARN > ALLOW', () => {
      expect(OUTCOMES).toEqual(['ALLOW', 'WARN', 'HOLD', 'REJECT']);
      expect(mostSevere([])).toBe('ALLOW');
      for (const [i, lower] of OUTCOMES.entries()) {
        for (const higher of OUTCOMES.slice(i)) {
          expect(mostSevere([lower, higher])).toBe(higher);
          expect(mostSevere([higher, lower])).toBe(higher);
        }
      }
      expect(mostSevere(['WARN', 'ALLOW', 'HOLD', 'WARN'])).toBe('HOLD');
    });
  });

  it('is deterministic and serialisable', () => {
    const cases = [
      input(),
      input({ chosenTag: 'PROFESSIONAL', text: TEXT.ORGANIZATIONAL, author: officialVoice }),
      input({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: OTHER_ORG, author: { kind: 'CITIZEN' } }),
    ];
    for (const case_ of cases) {
      const first = decidePost(case_);
      expect(decidePost(structuredClone(case_))).toEqual(first);
      expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    }
  });

  it('does not change its input', () => {
    const original = input({ chosenTag: 'ORGANIZATIONAL', onBehalfOf: OWNER_ORG, author: officialVoice });
    const copy = structuredClone(original);
    decidePost(original);
    expect(original).toEqual(copy);
  });
});

const WATCHED = compileWatchedWords([
  { phrase: 'cobro en negro', action: 'block' },
  { phrase: 'chiringuito', action: 'hold' },
  { phrase: 'enchufe', action: 'flag' },
]);

describe('the text guards', () => {
  const withDni = `${TEXT.PROFESSIONAL} Adjunto el DNI 12.345.678-z del solicitante.`;

  it('hold personal data and confidentiality markers where citizens read, and warn elsewhere', () => {
    const open = decidePost(input({ text: withDni, community: { audience: 'OPEN' } }));
    expect(open.outcome).toBe('HOLD');
    expect(open.rules.find((rule) => rule.code === 'personal-data')).toMatchObject({
      outcome: 'HOLD',
      params: { matches: 'DNI ****678Z' },
    });
    for (const audience of ['INTERNAL', 'INTERADMINISTRATIVE'] as const) {
      expect(decidePost(input({ text: withDni, community: { audience } })).outcome).toBe('WARN');
    }
    const marked = decidePost(input({ text: `CONFIDENCIAL. ${TEXT.PROFESSIONAL}`, community: { audience: 'OPEN' } }));
    expect(marked.rules.find((rule) => rule.code === 'confidentiality-marker')).toMatchObject({
      outcome: 'HOLD',
      params: { markers: 'CONFIDENCIAL' },
    });
  });

  it('never names a match in full, only masked', () => {
    const decision = decidePost(input({ text: `${TEXT.PROFESSIONAL} IBAN ES91 2100 0418 4502 0005 1332` }));
    const rule = decision.rules.find((r) => r.code === 'personal-data');
    expect(rule?.params?.matches).toBe('IBAN ****1332');
    expect(JSON.stringify(decision.rules)).not.toContain('2100');
  });

  it('give each watched word its action: block rejects, hold holds, flag warns', () => {
    const outcome = (text: string) =>
      decidePost(input({ text: `${TEXT.PROFESSIONAL} ${text}`, watchedWords: WATCHED }));
    expect(outcome('Eso es un COBRO EN NEGRO.').outcome).toBe('REJECT');
    expect(outcome('Parece un chiringuito').outcome).toBe('HOLD');
    expect(outcome('Lo consiguió por enchufe').outcome).toBe('WARN');
    expect(outcome('Un enchufista no es un enchufe').rules.map((r) => r.code)).toContain('watched-word-flag');
    expect(outcome('Nada de eso aquí.').outcome).toBe('ALLOW');
  });

  it('asks to confirm only the warnings the author saw (warningDigest)', () => {
    const first = decidePost(input({ text: withDni }));
    const same = decidePost(input({ text: withDni }));
    const other = decidePost(input({ text: `${TEXT.PROFESSIONAL} Mi DNI es 87654321X.` }));
    expect(warningDigest(first)).toMatch(/^[0-9a-f]{16}$/);
    expect(warningDigest(same)).toBe(warningDigest(first));
    expect(warningDigest(other)).not.toBe(warningDigest(first));
    expect(warningDigest(decidePost(input()))).toBe('');
  });
});

describe('the rule codes', () => {
  it('are each produced by some situation, with the message key policy.rule.<code>', () => {
    const situations: Overrides[] = [
      { chosenTag: 'PERSONAL', community: { welcomedTags: ['PROFESSIONAL'] } },
      { chosenTag: 'ORGANIZATIONAL', onBehalfOf: null, author: officialVoice },
      { chosenTag: 'ORGANIZATIONAL', onBehalfOf: OTHER_ORG },
      { chosenTag: 'PROFESSIONAL', onBehalfOf: OWNER_ORG },
      { chosenTag: 'PROFESSIONAL', author: { kind: 'CITIZEN' } },
      { chosenTag: 'PERSONAL', thread: { kind: 'ANNOUNCEMENT', isOpeningPost: true } },
      { chosenTag: 'PROFESSIONAL', text: TEXT.PERSONAL },
      { text: `${TEXT.PROFESSIONAL} Mi DNI es 12345678Z. BORRADOR`, watchedWords: WATCHED },
      { text: `${TEXT.PROFESSIONAL} cobro en negro y chiringuito, con enchufe`, watchedWords: WATCHED },
    ];
    const seen = new Set<string>();
    for (const situation of situations) {
      for (const rule of decidePost(input(situation)).rules) {
        expect(rule.messageKey).toBe(`policy.rule.${rule.code}`);
        seen.add(rule.code);
      }
    }
    expect([...seen].sort()).toEqual([...POLICY_RULE_CODES].sort());
    expect(new Set(POLICY_RULE_CODES).size).toBe(POLICY_RULE_CODES.length);
    expect(messageKeyFor('tag-not-welcomed')).toBe('policy.rule.tag-not-welcomed');
  });
});

describe('availableTags', () => {
  const base = (overrides: Overrides = {}) => {
    const { chosenTag: _c, onBehalfOf: _o, text: _t, ...situation } = input(overrides);
    return situation;
  };

  it('offers a citizen only the personal tag', () => {
    expect(availableTags(base({ author: { kind: 'CITIZEN' } }))).toEqual(['PERSONAL']);
  });

  it('offers the organizational tag only to official voices', () => {
    expect(availableTags(base())).toEqual(['PERSONAL', 'PROFESSIONAL']);
    expect(availableTags(base({ author: officialVoice }))).toEqual(['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL']);
  });

  it("keeps to the community's welcomed tags and to what an announcement may be", () => {
    expect(availableTags(base({ community: { welcomedTags: ['PROFESSIONAL'] } }))).toEqual(['PROFESSIONAL']);
    const announcement = { kind: 'ANNOUNCEMENT', isOpeningPost: true } as const;
    expect(availableTags(base({ thread: announcement, author: { communityRole: 'MODERATOR' } }))).toEqual([
      'PROFESSIONAL',
    ]);
    expect(availableTags(base({ thread: announcement }))).toEqual([]);
  });
});
