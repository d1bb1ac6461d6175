import { organizationBesideName, type ProfileViewer } from '../access/profile-access.js';
import type { Prisma } from '../generated/prisma/client.js';

// What thread pages and lists select: only the fields they show or judge.

export const AUTHOR_SELECT = {
  id: true,
  handle: true,
  displayName: true,
  kind: true,
  /** A suspended person's byline links nowhere: their profile answers 404. */
  status: true,
  /** With emailVerifiedAt, what organizationBesideName judges (access/profile-access.ts). */
  publicFields: true,
  emailVerifiedAt: true,
  organization: { select: { name: true } },
} as const;

type AuthorRow = Prisma.UserGetPayload<{ select: typeof AUTHOR_SELECT }>;

/** An author as a byline shows them to `viewer`: their organization only where their profile would show it. */
export function bylineAuthor(viewer: ProfileViewer | null, author: AuthorRow): AuthorRow {
  const organization = organizationBesideName(viewer, author, author.organization);
  return organization === author.organization ? author : { ...author, organization };
}

/** A post's words as a revision keeps them (post-writing.ts keepRevision): text, rendering, tag, voice, dates. */
export const POST_WORDS_SELECT = {
  source: true,
  html: true,
  tag: true,
  onBehalfOfId: true,
  createdAt: true,
  editedAt: true,
} as const;

/**
 * A thread as its own pages open it (thread-reading.ts openThread). Not its author: the opening post shows
 * them, and reading them here cost two more statements (the person, their organization) on every view.
 */
export const OPENED_THREAD_SELECT = {
  id: true,
  communityId: true,
  title: true,
  kind: true,
  tag: true,
  pinned: true,
  locked: true,
  acceptedPostId: true,
  replyCount: true,
  restricted: true,
  lastActivityAt: true,
  createdAt: true,
  authorId: true,
  /** Part of the signed-out page cache's key (threads/page-cache.ts). */
  pageVersion: true,
} as const;

/** A thread as lists show it: with its author's byline. */
export const THREAD_SELECT = { ...OPENED_THREAD_SELECT, author: { select: AUTHOR_SELECT } } as const;

export type ThreadRow = Prisma.ThreadGetPayload<{ select: typeof OPENED_THREAD_SELECT }>;

/** A thread's community as lists across communities show it and the access rules judge it. */
export const COMMUNITY_FACTS_SELECT = {
  slug: true,
  name: true,
  ownerOrganizationId: true,
  audience: true,
  visibility: true,
  archivedAt: true,
} as const;
