// The rules a post must meet to be published with the tag its author chose. Pure: plain data in, a
// decision with its reasons out; the threads service enforces it on create and edit and stores it.
import { createHash } from 'node:crypto';
import { type Suggestion, suggestTag } from './classifier.js';
import { detectConfidentialityMarkers } from './confidentiality.js';
import { detectPersonalData } from './personal-data.js';
import { POST_TAGS, type PostTag } from './tags.js';
import type { WatchedWordMatcher } from './watched-words.js';

export type AuthorKind = 'EMPLOYEE' | 'PARTNER' | 'CITIZEN';
export type CommunityRole = 'OWNER' | 'MODERATOR' | 'MEMBER';
export type ThreadKind = 'DISCUSSION' | 'QUESTION' | 'ANNOUNCEMENT';

export interface PolicyInput {
  readonly author: {
    readonly kind: AuthorKind;
    /** Ids of the organizations this author may speak for (OfficialVoice grants). */
    readonly officialVoiceFor: readonly string[];
    readonly communityRole: CommunityRole | null;
  };
  readonly community: {
    readonly welcomedTags: readonly PostTag[];
    readonly ownerOrganizationId: string;
    /** OPEN communities are read by citizens and partners: personal data there is held, not only warned of. */
    readonly audience: 'INTERNAL' | 'INTERADMINISTRATIVE' | 'OPEN';
  };
  readonly thread: { readonly kind: ThreadKind; readonly isOpeningPost: boolean };
  readonly chosenTag: PostTag;
  /** The organization an ORGANIZATIONAL post speaks for; null for the other tags. */
  readonly onBehalfOf: string | null;
  /** Title and body together (the title only matters for the opening post). */
  readonly text: string;
  /** The site's and the community's watched words, compiled (compileWatchedWords); none when absent. */
  readonly watchedWords?: WatchedWordMatcher | undefined;
}

/** In increasing severity. */
export const OUTCOMES = ['ALLOW', 'WARN', 'HOLD', 'REJECT'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const POLICY_RULE_CODES = [
  'tag-not-welcomed',
  'organizational-needs-organization',
  'organizational-not-official-voice',
  'on-behalf-of-needs-organizational',
  'citizen-posts-personal',
  'announcement-opening-restricted',
  'announcement-not-personal',
  'tag-differs-from-suggestion',
  'personal-data',
  'confidentiality-marker',
  'watched-word-block',
  'watched-word-hold',
  'watched-word-flag',
] as const;
export type PolicyRuleCode = (typeof POLICY_RULE_CODES)[number];

/** The rules that read the text for moderation (checkTextGuards), not for the tag. */
export const TEXT_GUARD_CODES: ReadonlySet<string> = new Set<PolicyRuleCode>([
  'personal-data',
  'confidentiality-marker',
  'watched-word-block',
  'watched-word-hold',
  'watched-word-flag',
]);

export interface RuleResult {
  readonly code: PolicyRuleCode;
  readonly outcome: Outcome;
  /** An i18n key, `policy.rule.<code>`; the catalogs interpolate `params`. */
  readonly messageKey: string;
  readonly params?: Record<string, string>;
}

export interface PolicyDecision {
  /** The most severe outcome among the rules that applied; ALLOW when none did. */
  readonly outcome: Outcome;
  /** The tag the author chose: the suggestion never overrides it. */
  readonly tag: PostTag;
  readonly suggestion: Suggestion;
  /** The rules that applied, in POLICY_RULE_CODES order. */
  readonly rules: RuleResult[];
}

/**
 * From this confidence up, a suggestion that differs from the chosen tag asks the author to confirm.
 * Measured on the corpus's held-out split, which nothing was trained or tuned on (`npm run
 * policy:evaluate`, docs/policy-model.md): 214 of 272 suggestions reached 0.9 and 99.5% of those were
 * right (69% of the 58 below it), so the warning is rarely a false alarm. Posts unlike the corpus will
 * do worse; 0.95 would warn on 185 of 272 (all right there) for little gain in certainty.
 */
export const SUGGESTION_WARN_CONFIDENCE = 0.9;

export function messageKeyFor(code: PolicyRuleCode): string {
  return `policy.rule.${code}`;
}

export function outcomeSeverity(outcome: Outcome): number {
  return OUTCOMES.indexOf(outcome);
}

/** The most severe of some outcomes (REJECT > HOLD > WARN > ALLOW); ALLOW for none. */
export function mostSevere(outcomes: Iterable<Outcome>): Outcome {
  let worst: Outcome = 'ALLOW';
  for (const outcome of outcomes) if (outcomeSeverity(outcome) > outcomeSeverity(worst)) worst = outcome;
  return worst;
}

type Situation = Omit<PolicyInput, 'text'>;

function result(code: PolicyRuleCode, outcome: Outcome, params?: Record<string, string>): RuleResult {
  return params
    ? { code, outcome, messageKey: messageKeyFor(code), params }
    : { code, outcome, messageKey: messageKeyFor(code) };
}

/** The rules that do not depend on the text: who may say what, where, in which capacity. */
function checkStandingRules(input: Situation): RuleResult[] {
  const { author, community, thread, chosenTag, onBehalfOf } = input;
  const results: RuleResult[] = [];

  if (!community.welcomedTags.includes(chosenTag)) {
    results.push(
      result('tag-not-welcomed', 'REJECT', {
        tag: chosenTag,
        welcomed: POST_TAGS.filter((tag) => community.welcomedTags.includes(tag)).join(', '),
      }),
    );
  }

  if (chosenTag === 'ORGANIZATIONAL') {
    if (onBehalfOf === null || onBehalfOf === '') {
      results.push(result('organizational-needs-organization', 'REJECT'));
    } else if (!author.officialVoiceFor.includes(onBehalfOf)) {
      results.push(result('organizational-not-official-voice', 'REJECT', { organizationId: onBehalfOf }));
    }
  } else if (onBehalfOf !== null) {
    // Only an organizational post is shown "on behalf of" an organization.
    results.push(result('on-behalf-of-needs-organizational', 'REJECT', { tag: chosenTag }));
  }

  // Citizens speak as individuals.
  if (author.kind === 'CITIZEN' && chosenTag !== 'PERSONAL') {
    results.push(result('citizen-posts-personal', 'REJECT', { tag: chosenTag }));
  }

  if (thread.kind === 'ANNOUNCEMENT' && thread.isOpeningPost) {
    // Any official voice may announce, not only the owner organization's: interadministrative
    // communities carry announcements from the province or the region too.
    const mayAnnounce =
      author.communityRole === 'OWNER' || author.communityRole === 'MODERATOR' || author.officialVoiceFor.length > 0;
    if (!mayAnnounce) results.push(result('announcement-opening-restricted', 'REJECT'));
    if (chosenTag === 'PERSONAL') results.push(result('announcement-not-personal', 'REJECT'));
  }

  return results;
}

/**
 * The tags this author may choose here (with any of their official voices for ORGANIZATIONAL): what
 * the form should offer. The suggestion only warns toward one of them.
 */
export function availableTags(input: Omit<Situation, 'chosenTag' | 'onBehalfOf'>): PostTag[] {
  return POST_TAGS.filter((tag) => {
    const onBehalfOf = tag === 'ORGANIZATIONAL' ? (input.author.officialVoiceFor[0] ?? null) : null;
    return checkStandingRules({ ...input, chosenTag: tag, onBehalfOf }).every((r) => r.outcome !== 'REJECT');
  });
}

/** Most matches named in a rule's parameters (a post full of phone numbers needs no list of fifty). */
const MATCHES_NAMED = 5;

function listed(values: readonly string[]): string {
  const distinct = [...new Set(values)];
  const shown = distinct.slice(0, MATCHES_NAMED).join(', ');
  return distinct.length > MATCHES_NAMED ? `${shown}…` : shown;
}

/**
 * The guards that read the text: personal data (DNI, NIE, IBAN, phone, e-mail, NSS) and confidentiality
 * markers give HOLD where citizens and partners read (an OPEN community: publishing a DNI there is a
 * data-protection incident for the host, GDPR Art. 33) and WARN elsewhere; watched words give what their
 * entry says (block → REJECT, hold → HOLD, flag → WARN). Parameters name the matches masked
 * (`DNI ****678Z`), never in full: decisions are stored and shown to moderators.
 */
function checkTextGuards(input: PolicyInput): RuleResult[] {
  const results: RuleResult[] = [];
  const dataOutcome: Outcome = input.community.audience === 'OPEN' ? 'HOLD' : 'WARN';
  const personal = detectPersonalData(input.text);
  if (personal.length > 0) {
    results.push(result('personal-data', dataOutcome, { matches: listed(personal.map((match) => match.masked)) }));
  }
  const markers = detectConfidentialityMarkers(input.text);
  if (markers.length > 0) {
    const found = markers.map((match) => input.text.slice(match.start, match.end));
    results.push(result('confidentiality-marker', dataOutcome, { markers: listed(found) }));
  }
  const watched = input.watchedWords?.find(input.text) ?? [];
  for (const [action, code, outcome] of [
    ['block', 'watched-word-block', 'REJECT'],
    ['hold', 'watched-word-hold', 'HOLD'],
    ['flag', 'watched-word-flag', 'WARN'],
  ] as const) {
    const phrases = watched.filter((match) => match.action === action).map((match) => match.phrase);
    if (phrases.length > 0) results.push(result(code, outcome, { phrases: listed(phrases) }));
  }
  return results;
}

/**
 * What the author confirms when a draft is warned about: a short digest of the WARN rules with their
 * parameters. A confirmation counts only for the warnings the author saw; a changed text or tag that
 * warns of something else asks again. Hex, 16 characters; "" for a decision without warnings.
 */
export function warningDigest(decision: Pick<PolicyDecision, 'rules'>): string {
  const warnings = decision.rules
    .filter((rule) => rule.outcome === 'WARN')
    .map((rule) => [rule.code, rule.params ?? {}]);
  if (warnings.length === 0) return '';
  return createHash('sha256').update(JSON.stringify(warnings)).digest('hex').slice(0, 16);
}

/**
 * Decides whether a post may be published with its chosen tag, and why: the standing rules (who may say
 * what, where), the text guards (checkTextGuards) and the suggestion. The outcome is the most severe
 * rule's: REJECT (nothing is published), HOLD (published to its author and the moderators only, until
 * reviewed), WARN (the author confirms) or ALLOW.
 */
export function decidePost(input: PolicyInput): PolicyDecision {
  const suggestion = suggestTag(input.text);
  const rules = checkStandingRules(input);
  rules.push(...checkTextGuards(input));

  // Ask the author to confirm when a confident suggestion differs from their choice, unless the
  // suggested tag is not one they could choose here (a citizen's professional-sounding post).
  if (
    suggestion.tag !== input.chosenTag &&
    suggestion.confidence >= SUGGESTION_WARN_CONFIDENCE &&
    availableTags(input).includes(suggestion.tag)
  ) {
    rules.push(
      result('tag-differs-from-suggestion', 'WARN', {
        chosen: input.chosenTag,
        suggested: suggestion.tag,
        confidence: String(Math.round(suggestion.confidence * 100)),
      }),
    );
  }

  rules.sort((a, b) => POLICY_RULE_CODES.indexOf(a.code) - POLICY_RULE_CODES.indexOf(b.code));
  return { outcome: mostSevere(rules.map((r) => r.outcome)), tag: input.chosenTag, suggestion, rules };
}
