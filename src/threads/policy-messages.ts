import type { MessageKey, Translate } from '../i18n/i18n.js';
import { isPostTag } from '../policy/tags.js';

/** A rule as the policy returns it or as a stored decision keeps it. */
export interface RuleLike {
  readonly code: string;
  readonly params?: Readonly<Record<string, string>> | undefined;
}

const TAG_PARAMS = new Set(['tag', 'chosen', 'suggested']);

/** The tag's name in the reader's language. */
export function tagName(t: Translate, tag: string): string {
  return isPostTag(tag) ? t(`policy.tag.${tag}` as MessageKey) : tag;
}

/** A rule's message in the reader's language, with tag codes in its parameters turned into tag names. */
export function describeRule(t: Translate, rule: RuleLike): string {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(rule.params ?? {})) {
    if (TAG_PARAMS.has(name)) params[name] = tagName(t, value);
    else if (name === 'welcomed')
      params[name] = value
        .split(', ')
        .map((tag) => tagName(t, tag))
        .join(', ');
    else params[name] = value;
  }
  return t(`policy.rule.${rule.code}` as MessageKey, params);
}
