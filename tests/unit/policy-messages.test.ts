import { describe, expect, it } from 'vitest';
import { catalogKeys, createTranslator, LOCALES } from '../../src/i18n/i18n.js';
import { decidePost, POLICY_RULE_CODES } from '../../src/policy/rules.js';
import { describeRule, tagName } from '../../src/threads/policy-messages.js';

describe('policy messages', () => {
  it('every rule and tag has its message in every language', () => {
    for (const locale of LOCALES) {
      const keys = new Set(catalogKeys(locale));
      for (const code of POLICY_RULE_CODES) expect(keys, `${locale}: ${code}`).toContain(`policy.rule.${code}`);
      for (const tag of ['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL']) {
        expect(keys).toContain(`policy.tag.${tag}`);
        expect(keys).toContain(`policy.tag.${tag}.help`);
      }
    }
  });

  it('names tags in the reader’s language inside a rule’s message, leaving no placeholder', () => {
    const decision = decidePost({
      author: { kind: 'EMPLOYEE', officialVoiceFor: [], communityRole: 'MEMBER' },
      community: { welcomedTags: ['PERSONAL', 'ORGANIZATIONAL'], ownerOrganizationId: 'org', audience: 'INTERNAL' },
      thread: { kind: 'DISCUSSION', isOpeningPost: true },
      chosenTag: 'PROFESSIONAL',
      onBehalfOf: null,
      text: 'Una consulta sobre el expediente de contratación.',
    });
    const rule = decision.rules.find((r) => r.code === 'tag-not-welcomed');
    expect(rule).toBeDefined();
    if (!rule) return;
    expect(describeRule(createTranslator('es'), rule)).toBe(
      'Esta comunidad no acoge publicaciones con la etiqueta Profesional. Acoge: Personal, Organizacional.',
    );
    for (const locale of LOCALES) {
      const text = describeRule(createTranslator(locale), rule);
      expect(text).not.toMatch(/[{}]|PROFESSIONAL|ORGANIZATIONAL/);
    }
    expect(tagName(createTranslator('en'), 'ORGANIZATIONAL')).toBe('Organizational');
    expect(tagName(createTranslator('es'), 'NOT-A-TAG')).toBe('NOT-A-TAG');
  });

  it('fills every rule message’s placeholders from the parameters the rules give', () => {
    const t = createTranslator('es');
    const params: Record<string, Record<string, string>> = {
      'tag-not-welcomed': { tag: 'PERSONAL', welcomed: 'PROFESSIONAL' },
      'organizational-not-official-voice': { organizationId: 'x' },
      'on-behalf-of-needs-organizational': { tag: 'PERSONAL' },
      'citizen-posts-personal': { tag: 'PROFESSIONAL' },
      'tag-differs-from-suggestion': { chosen: 'PERSONAL', suggested: 'PROFESSIONAL', confidence: '93' },
      'personal-data': { matches: 'DNI ****678Z' },
      'confidentiality-marker': { markers: 'CONFIDENCIAL' },
      'watched-word-block': { phrases: 'a' },
      'watched-word-hold': { phrases: 'a' },
      'watched-word-flag': { phrases: 'a' },
    };
    for (const code of POLICY_RULE_CODES) {
      expect(describeRule(t, { code, params: params[code] ?? {} }), code).not.toMatch(/[{}]/);
    }
  });
});
