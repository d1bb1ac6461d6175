import accessibilityCa from './accessibility.ca.json' with { type: 'json' };
import accessibilityEn from './accessibility.en.json' with { type: 'json' };
import accessibilityEs from './accessibility.es.json' with { type: 'json' };
import accessibilityEu from './accessibility.eu.json' with { type: 'json' };
import accessibilityGl from './accessibility.gl.json' with { type: 'json' };
import accountsCa from './accounts.ca.json' with { type: 'json' };
import accountsEn from './accounts.en.json' with { type: 'json' };
import accountsEs from './accounts.es.json' with { type: 'json' };
import accountsEu from './accounts.eu.json' with { type: 'json' };
import accountsGl from './accounts.gl.json' with { type: 'json' };
import adminCa from './admin.ca.json' with { type: 'json' };
import adminEn from './admin.en.json' with { type: 'json' };
import adminEs from './admin.es.json' with { type: 'json' };
import adminEu from './admin.eu.json' with { type: 'json' };
import adminGl from './admin.gl.json' with { type: 'json' };
import balanceCa from './balance.ca.json' with { type: 'json' };
import balanceEn from './balance.en.json' with { type: 'json' };
import balanceEs from './balance.es.json' with { type: 'json' };
import balanceEu from './balance.eu.json' with { type: 'json' };
import balanceGl from './balance.gl.json' with { type: 'json' };
import ca from './ca.json' with { type: 'json' };
import communitiesCa from './communities.ca.json' with { type: 'json' };
import communitiesEn from './communities.en.json' with { type: 'json' };
import communitiesEs from './communities.es.json' with { type: 'json' };
import communitiesEu from './communities.eu.json' with { type: 'json' };
import communitiesGl from './communities.gl.json' with { type: 'json' };
import emailCa from './email.ca.json' with { type: 'json' };
import emailEn from './email.en.json' with { type: 'json' };
import emailEs from './email.es.json' with { type: 'json' };
import emailEu from './email.eu.json' with { type: 'json' };
import emailGl from './email.gl.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };
import eu from './eu.json' with { type: 'json' };
import findCa from './find.ca.json' with { type: 'json' };
import findEn from './find.en.json' with { type: 'json' };
import findEs from './find.es.json' with { type: 'json' };
import findEu from './find.eu.json' with { type: 'json' };
import findGl from './find.gl.json' with { type: 'json' };
import gl from './gl.json' with { type: 'json' };
import moderationCa from './moderation.ca.json' with { type: 'json' };
import moderationEn from './moderation.en.json' with { type: 'json' };
import moderationEs from './moderation.es.json' with { type: 'json' };
import moderationEu from './moderation.eu.json' with { type: 'json' };
import moderationGl from './moderation.gl.json' with { type: 'json' };
import notificationsCa from './notifications.ca.json' with { type: 'json' };
import notificationsEn from './notifications.en.json' with { type: 'json' };
import notificationsEs from './notifications.es.json' with { type: 'json' };
import notificationsEu from './notifications.eu.json' with { type: 'json' };
import notificationsGl from './notifications.gl.json' with { type: 'json' };
import policyCa from './policy.ca.json' with { type: 'json' };
import policyEn from './policy.en.json' with { type: 'json' };
import policyEs from './policy.es.json' with { type: 'json' };
import policyEu from './policy.eu.json' with { type: 'json' };
import policyGl from './policy.gl.json' with { type: 'json' };
import privacyCa from './privacy.ca.json' with { type: 'json' };
import privacyEn from './privacy.en.json' with { type: 'json' };
import privacyEs from './privacy.es.json' with { type: 'json' };
import privacyEu from './privacy.eu.json' with { type: 'json' };
import privacyGl from './privacy.gl.json' with { type: 'json' };
import profilesCa from './profiles.ca.json' with { type: 'json' };
import profilesEn from './profiles.en.json' with { type: 'json' };
import profilesEs from './profiles.es.json' with { type: 'json' };
import profilesEu from './profiles.eu.json' with { type: 'json' };
import profilesGl from './profiles.gl.json' with { type: 'json' };
import threadsCa from './threads.ca.json' with { type: 'json' };
import threadsEn from './threads.en.json' with { type: 'json' };
import threadsEs from './threads.es.json' with { type: 'json' };
import threadsEu from './threads.eu.json' with { type: 'json' };
import threadsGl from './threads.gl.json' with { type: 'json' };

// Message catalogs, Spanish first. Pure: no request, no Fastify.

/** The languages Ágora speaks (BCP 47 primary subtags), Spanish first; the language switch shows them in this order. */
export const LOCALES = ['es', 'ca', 'gl', 'eu', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'es';

// One catalog per language, kept in a file per feature (<feature>.<locale>.json) so that
// features do not edit each other's files; es.json holds the shared messages.
const spanish = {
  ...es,
  ...accountsEs,
  ...emailEs,
  ...profilesEs,
  ...adminEs,
  ...communitiesEs,
  ...threadsEs,
  ...policyEs,
  ...notificationsEs,
  ...moderationEs,
  ...privacyEs,
  ...findEs,
  ...balanceEs,
  ...accessibilityEs,
};

export type MessageKey = keyof typeof spanish;
export type Translate = (key: MessageKey, params?: Readonly<Record<string, string | number>>) => string;

const catalogs: Readonly<Record<Locale, Readonly<Record<string, string>>>> = {
  es: spanish,
  ca: {
    ...ca,
    ...accountsCa,
    ...emailCa,
    ...profilesCa,
    ...adminCa,
    ...communitiesCa,
    ...threadsCa,
    ...policyCa,
    ...notificationsCa,
    ...moderationCa,
    ...privacyCa,
    ...findCa,
    ...balanceCa,
    ...accessibilityCa,
  },
  gl: {
    ...gl,
    ...accountsGl,
    ...emailGl,
    ...profilesGl,
    ...adminGl,
    ...communitiesGl,
    ...threadsGl,
    ...policyGl,
    ...notificationsGl,
    ...moderationGl,
    ...privacyGl,
    ...findGl,
    ...balanceGl,
    ...accessibilityGl,
  },
  eu: {
    ...eu,
    ...accountsEu,
    ...emailEu,
    ...profilesEu,
    ...adminEu,
    ...communitiesEu,
    ...threadsEu,
    ...policyEu,
    ...notificationsEu,
    ...moderationEu,
    ...privacyEu,
    ...findEu,
    ...balanceEu,
    ...accessibilityEu,
  },
  en: {
    ...en,
    ...accountsEn,
    ...emailEn,
    ...profilesEn,
    ...adminEn,
    ...communitiesEn,
    ...threadsEn,
    ...policyEn,
    ...notificationsEn,
    ...moderationEn,
    ...privacyEn,
    ...findEn,
    ...balanceEn,
    ...accessibilityEn,
  },
};

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The catalogs' keys, for the test that keeps every language complete. */
export function catalogKeys(locale: Locale): string[] {
  return Object.keys(catalogs[locale]).sort();
}

/** The `{name}` placeholders of one message in one language, sorted, for the test that keeps them alike. */
export function messagePlaceholders(locale: Locale, key: string): string[] {
  const message = catalogs[locale][key] ?? '';
  return [...new Set(Array.from(message.matchAll(/\{(\w+)\}/g), (match) => match[1] ?? ''))].sort();
}

export function createTranslator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  const plurals = new Intl.PluralRules(locale);
  return (key, params) => {
    // A numeric `count` picks a plural form when the catalog has one (`<key>.one`: "1 miembro").
    const count = params?.count;
    const plural = typeof count === 'number' ? catalog[`${key}.${plurals.select(count)}`] : undefined;
    const template = plural ?? catalog[key] ?? catalogs[DEFAULT_LOCALE][key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

/** Picks the best of our locales from an Accept-Language header (RFC 9110 quality values). */
export function negotiateLocale(acceptLanguage: string | undefined): Locale | null {
  if (!acceptLanguage) return null;
  const ranked = acceptLanguage
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return {
        language: tag.trim().toLowerCase().split('-')[0] ?? '',
        quality: Number.isNaN(quality) ? 0 : quality,
        index,
      };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked.map((entry) => entry.language).find(isLocale) ?? null;
}
