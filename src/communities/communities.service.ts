import { randomBytes } from 'node:crypto';
import { isVerifiedEmployee, provenOrganizationId } from '../access/affiliation.js';
import {
  type Audience,
  communityPermissions,
  decide,
  type MembershipFacts,
  refusalStatus,
} from '../access/communities.js';
import type { Viewer } from '../accounts/auth.js';
import { escapeLike } from '../admin/admin-search.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import { type Db, PREPARED_STATEMENT } from '../db/client.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import type { PostTag } from '../generated/prisma/enums.js';
import type { BackgroundTasks } from '../jobs/background-tasks.js';
import { renderMarkdown } from '../markdown/markdown.js';
import type { NotificationEvents } from '../notifications/notification-fanout.js';
import { searchWords } from '../text/fold.js';
import { RESUBMISSION_WINDOW_MS } from '../threads/post-changes.js';
import { SECRET_SLUG_PATTERN } from './communities.schemas.js';
import { communityAccessSql, communityAccessWhere } from './community-access-where.js';
import { createCommunityMembers } from './community-members.js';
import { actorOf, type CommunityRow, factsOf, type OpenedCommunity, requirePermission } from './opened-community.js';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** One row of `open`'s statement: a community, its owner's name, the viewer's membership if any. */
interface OpenRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  rules: string;
  rules_html: string;
  audience: CommunityRow['audience'];
  visibility: CommunityRow['visibility'];
  welcomed_tags: CommunityRow['welcomedTags'];
  public_balance: boolean;
  archived_at: Date | null;
  owner_organization_id: string;
  owner_name: string;
  member_role: MembershipFacts['role'] | null;
  member_state: MembershipFacts['state'] | null;
}

// Communities: opening one as the viewer may know it, the directory and "my communities", creating one
// and its settings. Who belongs to it, and what moderators do to memberships, is community-members.ts.

export type { MemberAction } from './community-members.js';
export { actorOf, factsOf, type OpenedCommunity } from './opened-community.js';

export const COMMUNITIES_PER_PAGE = 24;

/** One row of a directory page, as listDirectory's statement returns it. */
interface DirectoryRow {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly audience: Audience;
  readonly visibility: 'PUBLIC' | 'PRIVATE' | 'SECRET';
  readonly archived: boolean;
  readonly organization: string;
  readonly role: string | null;
  readonly state: string | null;
  /** Counting members, where the viewer may read the community; null where they may only see it. */
  readonly members: number | null;
}

export interface CommunityInput {
  readonly name: string;
  readonly slug: string;
  readonly description: string;
  readonly rules: string;
  readonly audience: Audience;
  readonly visibility: 'PUBLIC' | 'PRIVATE' | 'SECRET';
  readonly welcomedTags: readonly PostTag[];
}

export type CommunitySettingsInput = Omit<CommunityInput, 'slug' | 'audience'> & { readonly archived: boolean };

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** A new address for a SECRET community: "s-" and 12 random hex digits (SECRET_SLUG_PATTERN, 48 bits). */
export function randomSecretSlug(): string {
  return `s-${randomBytes(6).toString('hex')}`;
}

export function createCommunitiesService({
  db,
  audit,
  events,
  tasks,
}: {
  db: Db;
  audit: AuditLog;
  /** What people are told of: requests to join, invitations (enqueued, see notification-fanout.ts). */
  events: Pick<NotificationEvents, 'joinRequested' | 'invited'>;
  /** Where an invitation by e-mail address is made, after the answer (see `invite`). */
  tasks: BackgroundTasks;
}) {
  async function ownerCount(communityId: string): Promise<number> {
    return db.membership.count({ where: { communityId, role: 'OWNER', state: 'ACTIVE' } });
  }

  /**
   * The community at `slug` as the viewer may know it, with their membership and permissions;
   * NotFound when it does not exist for them (unknown, secret, outside the audience). With a `context`,
   * a site admin let in only by their site role is recorded as looking (at the context's path).
   */
  async function open(
    slug: string,
    viewer: Viewer | null,
    context: AuditContext | null = null,
  ): Promise<OpenedCommunity> {
    // The community, its owner's name and the viewer's membership in one prepared statement (it opens every
    // community and thread page: as Prisma's three, each planned, they cost a thread page a third of its
    // statements). The slug compares as citext, as the unique index does.
    const rows = await db.$queryRaw<OpenRow[]>`${Prisma.raw(PREPARED_STATEMENT)}
      SELECT c.id::text AS id, c.slug::text AS slug, c.name, c.description, c.rules, c.rules_html,
             c.audience::text AS audience, c.visibility::text AS visibility,
             c.welcomed_tags::text[] AS welcomed_tags, c.public_balance, c.archived_at,
             c.owner_organization_id::text AS owner_organization_id, o.name AS owner_name,
             m.role::text AS member_role, m.state::text AS member_state
        FROM communities c
        JOIN organizations o ON o.id = c.owner_organization_id
        LEFT JOIN memberships m ON m.community_id = c.id AND m.user_id = ${viewer?.id ?? null}::uuid
       WHERE c.slug = ${slug}::citext`;
    const row = rows[0];
    if (!row) throw new NotFound('No such community');
    const community: CommunityRow = {
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description,
      rules: row.rules,
      rulesHtml: row.rules_html,
      audience: row.audience,
      visibility: row.visibility,
      welcomedTags: row.welcomed_tags,
      publicBalance: row.public_balance,
      archivedAt: row.archived_at,
      ownerOrganizationId: row.owner_organization_id,
      ownerOrganization: { name: row.owner_name },
    };
    const membership: MembershipFacts | null =
      row.member_role !== null && row.member_state !== null ? { role: row.member_role, state: row.member_state } : null;
    const actor = actorOf(viewer);
    const facts = factsOf(community);
    const owners = membership?.role === 'OWNER' ? await ownerCount(community.id) : 1;
    const permissions = communityPermissions(actor, facts, membership, { ownerCount: owners });
    if (!permissions.see) {
      if (refusalStatus(actor, facts, membership) === 404) throw new NotFound('No such community');
      throw new Forbidden('Not allowed');
    }
    // A site admin looking where only their site role lets them in is on the record.
    if (context && decide(actor, 'read', facts, membership).reason === 'site-admin') {
      await audit.record(context, {
        action: 'community.admin_view',
        outcome: 'SUCCESS',
        target: { type: 'community', id: community.id },
        details: { path: context.path ?? '' },
      });
    }
    return { community, membership, permissions, actor };
  }

  /**
   * How many communities the directory shows `actor` (of `audience`, if given) with nothing typed: the
   * communities of each audience × visibility × owner (community_directory_groups, kept by triggers: ADR
   * 025) where the access rule holds without a membership, plus, for each of the viewer's memberships, the
   * difference it makes (an invitation or an active membership shows a secret community; a ban hides a
   * private one). The same rule as the directory's rows (communityAccessSql 'see'), so the total is the
   * number of rows its pages list (tests/integration/community-access-where.test.ts). One row: `total`.
   */
  /**
   * How many communities the viewer may see (of `audience`, matching every LIKE pattern of `words`), as the
   * access rule with no membership plus the difference each of the viewer's own memberships makes (ADR 025):
   * the rule, communityAccessSql, is written once and read on columns alone for every row, never a
   * membership probe per community. Without words the first term reads the counts kept per audience ×
   * visibility × owner (community_directory_groups); with words it reads the communities themselves.
   * Returns one row `{ total }` (an int).
   */
  async function countVisible(
    actor: ReturnType<typeof actorOf>,
    viewer: Viewer | null,
    audience: Audience | undefined,
    words: readonly Prisma.Sql[],
  ) {
    const ofAudience = audience ? Prisma.sql`AND c.audience = ${audience}::"CommunityAudience"` : Prisma.empty;
    const matching = words.length > 0 ? Prisma.join(words, ' ') : Prisma.empty;
    const without = communityAccessSql(actor, 'see', 'c', 'none');
    const mine = viewer
      ? Prisma.sql`+ (SELECT coalesce(sum(coalesce((${communityAccessSql(actor, 'see', 'c', 'my')}), false)::int
                                       - coalesce((${without}), false)::int), 0)
                     FROM memberships my
                     -- Each membership's community by its key (OFFSET 0: not flattened into a hash of every
                     -- community, which read each one's text once more for a word).
                     CROSS JOIN LATERAL (SELECT * FROM communities c WHERE c.id = my.community_id OFFSET 0) c
                     LEFT JOIN memberships none ON false
                    WHERE my.user_id = ${viewer.id}::uuid ${ofAudience} ${matching})`
      : Prisma.empty;
    const base =
      words.length > 0
        ? Prisma.sql`(SELECT count(*) FROM communities c LEFT JOIN memberships none ON false
                       WHERE ${without} ${ofAudience} ${matching})`
        : Prisma.sql`(SELECT coalesce(sum(c.communities), 0)
                       FROM community_directory_groups c LEFT JOIN memberships none ON false
                      WHERE ${without} ${ofAudience})`;
    // Without words, the same statement every time: kept prepared.
    if (words.length === 0) {
      return db.$queryRaw<
        { total: number }[]
      >`${Prisma.raw(PREPARED_STATEMENT)} SELECT (${base} ${mine})::int AS total`;
    }
    // With words, the communities are found through the trigram index on search_text: the planner prices a
    // sequential scan with LIKE on every community below it, but that LIKE costs twice the index at 2,000
    // communities (the count 1.22 -> 0.61 ms a statement, pgbench). SET LOCAL keeps the setting to this
    // statement's own transaction; a word too short for trigrams is still found, by the same LIKE.
    const [, rows] = await db.$transaction([
      db.$executeRaw`SET LOCAL enable_seqscan = off`,
      db.$queryRaw<{ total: number }[]>`SELECT (${base} ${mine})::int AS total`,
    ]);
    return rows;
  }

  return {
    open,

    /**
     * The directory: what the viewer may see, matching the search, a page at a time (all in SQL): the total
     * of what matches and the page's COMMUNITIES_PER_PAGE rows by name, each with the viewer's membership
     * and, where they may read it, its member count (kept on write: countCountingMembers). Access is
     * communityAccessSql on each row with the viewer's own membership joined once (matrix-tested against
     * can()): 1 ms to count 2,000 communities where Prisma's EXISTS per state took 4.
     */
    async listDirectory(viewer: Viewer | null, query: { q?: string; audience?: Audience; page: number }) {
      const actor = actorOf(viewer);
      // Each word, folded as Spanish and Catalan are compared (src/text/fold.ts), in the name or description.
      const words = searchWords(query.q ?? '');
      const matching = words.map((word) => Prisma.sql`AND c.search_text LIKE ${`%${escapeLike(word)}%`}`);
      // The viewer's membership of each row by its key (at most one row: the primary key; LIMIT keeps the
      // planner from flattening it into a join that rescans their every membership for each community it
      // walks: 2,400 rows for a page of 24 at 77 memberships, ADR 025).
      const from = Prisma.sql`
        FROM communities c
        LEFT JOIN LATERAL (SELECT m.role, m.state FROM memberships m
                            WHERE m.community_id = c.id AND m.user_id = ${viewer?.id ?? NIL_UUID}::uuid LIMIT 1) my ON true
       WHERE ${communityAccessSql(actor, 'see', 'c', 'my')}
         ${query.audience ? Prisma.sql`AND c.audience = ${query.audience}::"CommunityAudience"` : Prisma.empty}
         ${matching.length > 0 ? Prisma.join(matching, ' ') : Prisma.empty}`;
      // Without words, the same statement every time: kept prepared (planning it cost more than running it).
      const prepared = Prisma.raw(words.length === 0 ? PREPARED_STATEMENT : '');
      const pageRows = (page: number) =>
        db.$queryRaw<DirectoryRow[]>`${prepared}
          SELECT c.slug, c.name, c.description, c.audience::text, c.visibility::text,
                 c.archived_at IS NOT NULL AS archived, o.name AS organization, page.role, page.state,
                 CASE WHEN page.readable THEN coalesce(k.members, 0) END AS members
            FROM (SELECT c.id, my.role::text AS role, my.state::text AS state,
                         ${communityAccessSql(actor, 'read', 'c', 'my')} AS readable
                    ${from}
                   ORDER BY c.name, c.id
                  ${
                    // Page 1 (nearly every view) without an OFFSET and with the LIMIT written in: PostgreSQL then
                    // plans it once per connection. A parameter, guessed at 10 % of the rows, priced the generic
                    // plan 4x dearer, so every view was planned again (0.75 ms at 2,000 communities).
                    page > 1 ? Prisma.sql`OFFSET ${(page - 1) * COMMUNITIES_PER_PAGE}` : Prisma.empty
                  }
                  LIMIT ${Prisma.raw(String(COMMUNITIES_PER_PAGE))}) page
            JOIN communities c ON c.id = page.id
            JOIN organizations o ON o.id = c.owner_organization_id
            LEFT JOIN community_member_counts k ON k.community_id = c.id
           ORDER BY c.name, c.id`;
      const [[counted], asked] = await Promise.all([
        countVisible(actor, viewer, query.audience, matching),
        pageRows(query.page),
      ]);
      const total = counted?.total ?? 0;
      // A page past the end is the last page (as a thread's is), however many digits it has: read again.
      const pages = Math.max(1, Math.ceil(total / COMMUNITIES_PER_PAGE));
      const page = Math.min(query.page, pages);
      const rows = page === query.page ? asked : await pageRows(page);
      return {
        total,
        page,
        pages,
        communities: rows.map((row) => ({
          slug: row.slug,
          name: row.name,
          description: row.description,
          audience: row.audience,
          visibility: row.visibility,
          archived: row.archived,
          organization: row.organization,
          // Who belongs is part of reading a community (a private one shows non-members its name and
          // description only): null where the viewer may only see it.
          members: row.members,
          membership: row.role && row.state ? ({ role: row.role, state: row.state } as MembershipFacts) : null,
        })),
      };
    },

    /**
     * The viewer's communities: where they belong, asked to join, or are invited, as far as the access
     * rules still let them see it. A membership outside the audience (the person moved to another
     * administration, or their address is now a citizen's) or a request to a community since made secret
     * shows nothing: not the community, not its current name.
     */
    async listMine(viewer: Viewer) {
      const memberships = await db.membership.findMany({
        where: {
          userId: viewer.id,
          state: { in: ['ACTIVE', 'PENDING', 'INVITED'] },
          community: communityAccessWhere(actorOf(viewer), 'see'),
        },
        select: {
          role: true,
          state: true,
          community: {
            select: { slug: true, name: true, description: true, audience: true, visibility: true, archivedAt: true },
          },
        },
        orderBy: { community: { name: 'asc' } },
      });
      return memberships.map((membership) => ({
        ...membership.community,
        archived: membership.community.archivedAt !== null,
        role: membership.role,
        state: membership.state,
      }));
    },

    /** Which audiences the viewer may create; empty when they may not create communities at all. */
    async creatableAudiences(viewer: Viewer): Promise<Audience[]> {
      // Only proven employees of an administration: an unverified sign-up is nobody's employee (affiliation.ts).
      if (!isVerifiedEmployee(viewer) || !viewer.organizationIsAdministration) return [];
      const settings = await db.siteSettings.findUnique({
        where: { id: 1 },
        select: { employeesCreateInteradministrative: true, employeesCreateOpen: true },
      });
      const audiences: Audience[] = ['INTERNAL'];
      if (settings?.employeesCreateInteradministrative ?? true) audiences.push('INTERADMINISTRATIVE');
      if (settings?.employeesCreateOpen ?? false) audiences.push('OPEN');
      return audiences;
    },

    /** Creates a community of the viewer's organization; the creator is its owner. */
    async create(viewer: Viewer, input: CommunityInput, context: AuditContext): Promise<string> {
      const allowed = await this.creatableAudiences(viewer);
      if (allowed.length === 0) throw new Forbidden('Only employees of an administration create communities');
      if (!allowed.includes(input.audience)) throw new Invalid({ audience: 'communities.form.audienceNotAllowed' });
      const organizationId = provenOrganizationId(viewer);
      if (!organizationId) throw new Forbidden('No organization');
      // A SECRET community's address is Ágora's choice (SECRET_SLUG_PATTERN), random: nothing about it
      // can be worked out from its name, its creator or an address it had before.
      const secret = input.visibility === 'SECRET';
      const slug = secret ? randomSecretSlug() : input.slug;
      try {
        return await db.$transaction(async (tx) => {
          if (secret) {
            // A random address never collides with itself: a form sent twice is found under a lock per creator.
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`community-create:${viewer.id}`}, 0))`;
            const earlier = await tx.community.findFirst({
              where: {
                visibility: 'SECRET',
                name: input.name,
                createdById: viewer.id,
                createdAt: { gte: new Date(Date.now() - RESUBMISSION_WINDOW_MS) },
              },
              select: { slug: true },
            });
            if (earlier) return earlier.slug;
          }
          const community = await tx.community.create({
            data: {
              slug,
              name: input.name,
              description: input.description,
              rules: input.rules,
              rulesHtml: renderMarkdown(input.rules),
              audience: input.audience,
              visibility: input.visibility,
              welcomedTags: [...input.welcomedTags],
              ownerOrganizationId: organizationId,
              createdById: viewer.id,
              memberships: { create: { userId: viewer.id, role: 'OWNER', state: 'ACTIVE' } },
            },
            select: { id: true, slug: true },
          });
          await audit.record(
            context,
            {
              action: 'community.create',
              outcome: 'SUCCESS',
              target: { type: 'community', id: community.id },
              details: { audience: input.audience, visibility: input.visibility },
            },
            tx,
          );
          return community.slug;
        });
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // The same form sent twice (a double click, a resent request) created it a moment ago: that one
        // is the answer, not an error about its own address.
        const earlier = await db.community.findFirst({
          where: {
            slug,
            name: input.name,
            createdById: viewer.id,
            createdAt: { gte: new Date(Date.now() - RESUBMISSION_WINDOW_MS) },
          },
          select: { slug: true },
        });
        if (earlier) return earlier.slug;
        throw new Invalid({ slug: 'communities.form.slugTaken' });
      }
    },

    /** Saves the settings; the community's address afterwards (a community made SECRET gets a random one). */
    async updateSettings(
      opened: OpenedCommunity,
      input: CommunitySettingsInput,
      context: AuditContext,
    ): Promise<string> {
      requirePermission(opened, 'manage');
      const { community } = opened;
      // Its old address was known to people who may no longer know it exists.
      const slug =
        input.visibility === 'SECRET' && !SECRET_SLUG_PATTERN.test(community.slug)
          ? randomSecretSlug()
          : community.slug;
      const changed = (['name', 'description', 'rules', 'visibility'] as const).filter(
        (field) => input[field] !== community[field],
      );
      const tagsChanged =
        input.welcomedTags.length !== community.welcomedTags.length ||
        input.welcomedTags.some((tag) => !community.welcomedTags.includes(tag));
      const archivedChanged = input.archived !== (community.archivedAt !== null);
      // Saved without a change: nothing is written or recorded.
      if (changed.length === 0 && !tagsChanged && !archivedChanged) return slug;
      await db.$transaction(async (tx) => {
        await tx.community.update({
          where: { id: community.id },
          data: {
            slug,
            name: input.name,
            description: input.description,
            rules: input.rules,
            rulesHtml: renderMarkdown(input.rules),
            visibility: input.visibility,
            welcomedTags: [...input.welcomedTags],
            archivedAt: input.archived ? (community.archivedAt ?? new Date()) : null,
          },
        });
        await audit.record(
          context,
          {
            action: 'community.settings',
            outcome: 'SUCCESS',
            target: { type: 'community', id: community.id },
            details: {
              changed: [
                ...changed,
                ...(tagsChanged ? ['welcomedTags'] : []),
                ...(slug !== community.slug ? ['slug'] : []),
              ],
              archived: input.archived,
            },
          },
          tx,
        );
      });
      return slug;
    },

    ...createCommunityMembers({ db, audit, events, tasks }),
  };
}

export type CommunitiesService = ReturnType<typeof createCommunitiesService>;
