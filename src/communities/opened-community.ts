import type { CommunityAction, CommunityActor, CommunityFacts, MembershipFacts } from '../access/communities.js';
import type { Viewer } from '../accounts/auth.js';
import { Forbidden } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';

// A community as one person may know it — its row, their membership, what they may do there — and the
// plain facts the access rules (src/access/communities.ts) judge. Shared by the communities service,
// its member actions and the threads: no database, no request.

export const COMMUNITY_SELECT = {
  id: true,
  slug: true,
  name: true,
  description: true,
  rules: true,
  rulesHtml: true,
  audience: true,
  visibility: true,
  welcomedTags: true,
  publicBalance: true,
  archivedAt: true,
  ownerOrganizationId: true,
  ownerOrganization: { select: { name: true } },
} as const;

export type CommunityRow = Prisma.CommunityGetPayload<{ select: typeof COMMUNITY_SELECT }>;

/** A community opened for a viewer (CommunitiesService.open): they may at least see it. */
export interface OpenedCommunity {
  readonly community: CommunityRow;
  readonly membership: MembershipFacts | null;
  readonly permissions: Readonly<Record<CommunityAction, boolean>>;
  readonly actor: CommunityActor | null;
}

/** The viewer as the access rules see them; null when signed out. */
export function actorOf(viewer: Viewer | null): CommunityActor | null {
  if (!viewer) return null;
  return {
    id: viewer.id,
    kind: viewer.kind,
    role: viewer.role,
    status: 'ACTIVE', // a suspended account has no session
    organizationId: viewer.organizationId,
    organizationIsAdministration: viewer.organizationIsAdministration,
    emailVerified: viewer.emailVerified,
  };
}

export function factsOf(
  community: Pick<CommunityRow, 'ownerOrganizationId' | 'audience' | 'visibility' | 'archivedAt'>,
): CommunityFacts {
  return {
    ownerOrganizationId: community.ownerOrganizationId,
    audience: community.audience,
    visibility: community.visibility,
    archived: community.archivedAt !== null,
  };
}

/** Forbidden unless the opened community's permissions allow `action`. */
export function requirePermission(opened: OpenedCommunity, action: CommunityAction): void {
  if (!opened.permissions[action]) throw new Forbidden(`Not allowed to ${action}`);
}
