import type { MessageKey, Translate } from '../i18n/i18n.js';

// The audit log as a person reads it (issue 14, item 8): an action's name, its target by name, and
// its details as labelled values, instead of `community.member_ban`, a UUID and a JSON document. Pure:
// the names of the records an entry points at are looked up by the service (admin-audit.ts) and
// passed in; whatever has no name any more (an erased account) keeps its short id.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A record an entry points at, as the log shows it: its name and, when it has a page, a link. */
export interface NamedRecord {
  readonly label: string;
  readonly href: string | null;
}

/** Names of records by id, whatever their kind (ids are UUIDs: one map serves every kind). */
export type RecordNames = ReadonlyMap<string, NamedRecord>;

/** One detail of an entry, ready to show: a label and a value in the reader's language. */
export interface ReadableDetail {
  readonly label: string;
  readonly value: string;
  readonly href: string | null;
}

/** Every UUID in an entry's details, at any depth (at most 200, for one lookup per page). */
export function idsInDetails(details: unknown, found: Set<string> = new Set()): Set<string> {
  if (found.size >= 200) return found;
  if (typeof details === 'string') {
    if (UUID.test(details)) found.add(details.toLowerCase());
  } else if (Array.isArray(details)) {
    for (const item of details) idsInDetails(item, found);
  } else if (details && typeof details === 'object') {
    for (const value of Object.values(details)) idsInDetails(value, found);
  }
  return found;
}

/** `key` from the catalog, or null when the catalog has no such message. */
function known(t: Translate, key: string): string | null {
  const text = t(key as MessageKey);
  return text === key ? null : text;
}

/** "postsWaiting" → "posts waiting": the last resort for a key no catalog names. */
function words(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/** An action's name in the reader's language (`admin.audit.actionName.<action>`), or its code. */
export function actionName(t: Translate, action: string): string {
  return known(t, `admin.audit.actionName.${action}`) ?? action;
}

/** A short form of an id nobody can name any more: enough to tell two apart. */
function shortId(id: string): string {
  return `#${id.slice(0, 8)}`;
}

/** One value as text: names for ids, Sí/No for booleans, lists joined, nested objects as "key: value". */
function valueText(t: Translate, value: unknown, names: RecordNames, depth = 0): { text: string; href: string | null } {
  if (value === null || value === undefined || value === '') return { text: '—', href: null };
  if (typeof value === 'boolean') return { text: t(value ? 'admin.audit.yes' : 'admin.audit.no'), href: null };
  if (typeof value === 'number') return { text: value.toLocaleString(), href: null };
  if (typeof value === 'string') {
    if (UUID.test(value)) {
      const named = names.get(value.toLowerCase());
      return named ? { text: named.label, href: named.href } : { text: shortId(value), href: null };
    }
    // A code read as the page where it is chosen names it: an audience, a visibility, a setting, a field.
    const named =
      known(t, `admin.audit.value.${value}`) ??
      known(t, `communities.audience.${value}`) ??
      known(t, `communities.visibility.${value}`) ??
      known(t, `admin.settings.${value}`) ??
      known(t, `profiles.field.${value}`);
    return { text: named ?? value, href: null };
  }
  if (Array.isArray(value)) {
    return { text: value.map((item) => valueText(t, item, names, depth + 1).text).join(', ') || '—', href: null };
  }
  if (typeof value === 'object' && depth < 3) {
    const parts = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) => `${detailLabel(t, key)}: ${valueText(t, item, names, depth + 1).text}`,
    );
    return { text: parts.join('; ') || '—', href: null };
  }
  return { text: '…', href: null };
}

/** A detail's label: `admin.audit.detail.<key>`, a setting's or a profile field's name, or the key in words. */
function detailLabel(t: Translate, key: string): string {
  return (
    known(t, `admin.audit.detail.${key}`) ??
    known(t, `admin.settings.${key}`) ??
    known(t, `admin.audit.value.${key}`) ??
    words(key)
  );
}

/**
 * An entry's details (the JSON stored with it, any shape) as labelled values: each top-level key is
 * one detail; ids become the names in `names`; a value that is itself an object is shown as
 * "key: value; …". Returns [] for no details.
 */
export function readableDetails(t: Translate, details: unknown, names: RecordNames): ReadableDetail[] {
  if (details === null || details === undefined) return [];
  if (typeof details !== 'object' || Array.isArray(details)) {
    const { text, href } = valueText(t, details, names);
    return [{ label: t('admin.audit.details'), value: text, href }];
  }
  return Object.entries(details as Record<string, unknown>).map(([key, value]) => {
    const { text, href } = valueText(t, value, names);
    return { label: detailLabel(t, key), value: text, href };
  });
}

/** An entry's target by name, with a link to its page when it has one; unknown ones by kind and short id. */
export function readableTarget(
  t: Translate,
  target: { type: string; id: string | null } | null,
  names: RecordNames,
): NamedRecord | null {
  if (!target) return null;
  const named = target.id ? names.get(target.id.toLowerCase()) : undefined;
  if (named) return named;
  const kind = known(t, `admin.audit.targetType.${target.type}`) ?? target.type;
  return { label: target.id ? `${kind} ${shortId(target.id)}` : kind, href: null };
}
