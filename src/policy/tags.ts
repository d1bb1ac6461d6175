// The capacity in which an author speaks: as a person, as a professional, or for an administration.

export const POST_TAGS = ['PERSONAL', 'PROFESSIONAL', 'ORGANIZATIONAL'] as const;

export type PostTag = (typeof POST_TAGS)[number];

export function isPostTag(value: unknown): value is PostTag {
  return typeof value === 'string' && (POST_TAGS as readonly string[]).includes(value);
}
