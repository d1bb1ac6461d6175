import {
  type BalanceView,
  canPublishBalance,
  communityBalanceView,
  organizationBalanceView,
} from '../access/balance-access.js';
import type { Viewer } from '../accounts/auth.js';
import type { AuditLog } from '../audit/audit.service.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { CommunitiesService } from '../communities/communities.service.js';
import type { Db } from '../db/client.js';
import { Forbidden, Invalid, NotFound } from '../errors.js';
import type { BalanceScope } from '../generated/prisma/enums.js';
import { type BalanceWeek, type BalanceWeekRow, type RuleCount, weeklyFigures } from './balance-figures.js';
import type { ResolvedPeriod } from './balance-period.js';
import { SITE_SCOPE_ID } from './balance-rollup.js';

// The balance pages' reading side (issue 13, item 3): who may see which balance (src/access/balance-access.ts)
// and the figures of a period, read from the weekly roll-up (balance-rollup.ts), never from the posts.

/** What a balance page is about, once the viewer has been let in. */
export interface BalanceTarget {
  readonly scope: BalanceScope;
  readonly scopeId: string;
  /** The community's or organization's name; null for the site. */
  readonly name: string | null;
  readonly slug: string | null;
  readonly view: Exclude<BalanceView, null>;
  /** Community only: whether its balance is shown publicly, and whether the viewer may change that. */
  readonly publicBalance: boolean;
  readonly canChangePublic: boolean;
}

export interface BalanceFigures {
  readonly weeks: BalanceWeek[];
  /** Refusals, holds and warnings per rule over the period; empty on the public view. */
  readonly rules: RuleCount[];
}

export function createBalanceService({
  db,
  communities,
  audit,
}: {
  db: Db;
  communities: Pick<CommunitiesService, 'open'>;
  audit: AuditLog;
}) {
  return {
    /** A community's balance as the viewer may see it; NotFound for anyone else (communityBalanceView). */
    async openCommunity(slug: string, viewer: Viewer | null, context: AuditContext | null): Promise<BalanceTarget> {
      const opened = await communities.open(slug, viewer, context).catch((error: unknown) => {
        if (error instanceof Forbidden) throw new NotFound('No such community');
        throw error;
      });
      const { publicBalance } = opened.community;
      const view = communityBalanceView({
        canModerate: opened.permissions.moderate,
        canRead: opened.permissions.read,
        audience: opened.community.audience,
        publicBalance,
      });
      if (!view) throw new NotFound('No such community');
      return {
        scope: 'COMMUNITY',
        scopeId: opened.community.id,
        name: opened.community.name,
        slug: opened.community.slug,
        view,
        publicBalance,
        canChangePublic: opened.permissions.manage && canPublishBalance(opened.community.audience),
      };
    },

    /** An organization's balance (its communities): site admins and its official voices; NotFound otherwise. */
    async openOrganization(slug: string, viewer: Viewer | null): Promise<BalanceTarget> {
      const organization = await db.organization.findUnique({
        where: { slug },
        select: { id: true, name: true, slug: true },
      });
      if (!organization || !viewer) throw new NotFound('No such organization');
      const voice =
        viewer.role === 'ADMIN'
          ? null
          : await db.officialVoice.findUnique({
              where: { userId_organizationId: { userId: viewer.id, organizationId: organization.id } },
              select: { userId: true },
            });
      const view = organizationBalanceView({ isSiteAdmin: viewer.role === 'ADMIN', isOfficialVoice: voice !== null });
      if (!view) throw new NotFound('No such organization');
      return {
        scope: 'ORGANIZATION',
        scopeId: organization.id,
        name: organization.name,
        slug: organization.slug,
        view,
        publicBalance: false,
        canChangePublic: false,
      };
    },

    /** The whole site's balance: site admins only; NotFound otherwise. */
    openSite(viewer: Viewer | null): BalanceTarget {
      if (viewer?.role !== 'ADMIN') throw new NotFound('Not found');
      const target = { scope: 'SITE', scopeId: SITE_SCOPE_ID, name: null, slug: null, view: 'full' } as const;
      return { ...target, publicBalance: false, canChangePublic: false };
    },

    /**
     * The balances a person may open in full, for the list on their account: the site's (site admins),
     * their organizations' (official voices; site admins reach every one from /admin/organizations) and
     * those of the communities they own or moderate (active memberships), by name. Two indexed reads.
     */
    async listOwnBalances(viewer: Viewer) {
      const [voices, memberships] = await Promise.all([
        db.officialVoice.findMany({
          where: { userId: viewer.id },
          select: { organization: { select: { name: true, slug: true } } },
          orderBy: { organization: { name: 'asc' } },
        }),
        db.membership.findMany({
          where: { userId: viewer.id, state: 'ACTIVE', role: { in: ['OWNER', 'MODERATOR'] } },
          select: { community: { select: { name: true, slug: true } } },
          orderBy: { community: { name: 'asc' } },
        }),
      ]);
      return {
        site: viewer.role === 'ADMIN',
        organizations: voices.map((voice) => voice.organization),
        communities: memberships.map((membership) => membership.community),
      };
    },

    /**
     * The figures of a period: one entry per week from the period's first Monday to its last (the
     * roll-up's weeks, so a period starting mid-week shows that whole week), and, on the full view,
     * the rules' counts over those weeks, most frequent first. Two indexed reads, a few hundred rows.
     */
    async readFigures(target: BalanceTarget, period: ResolvedPeriod): Promise<BalanceFigures> {
      const first = new Date(`${period.firstWeek}T00:00:00Z`);
      const last = new Date(`${period.lastWeek}T00:00:00Z`);
      const rows = await db.balanceWeek.findMany({
        where: { scope: target.scope, scopeId: target.scopeId, week: { gte: first, lte: last } },
        orderBy: { week: 'asc' },
        omit: { scope: true, scopeId: true, computedAt: true },
      });
      const weekRows: BalanceWeekRow[] = rows.map((row) => ({ ...row, week: row.week.toISOString().slice(0, 10) }));
      const rules =
        target.view === 'full'
          ? (
              await db.balanceRuleWeek.groupBy({
                by: ['ruleCode', 'outcome'],
                where: { scope: target.scope, scopeId: target.scopeId, week: { gte: first, lte: last } },
                _sum: { decisions: true },
              })
            )
              .map((row) => ({ ruleCode: row.ruleCode, outcome: row.outcome, decisions: row._sum.decisions ?? 0 }))
              .sort((a, b) => b.decisions - a.decisions || a.ruleCode.localeCompare(b.ruleCode))
          : [];
      return { weeks: weeklyFigures(weekRows, period.firstWeek, period.lastWeek, period.tag), rules };
    },

    /**
     * Owners show or stop showing their community's balance publicly (OPEN communities only: Invalid
     * on field `publicBalance` otherwise). Audited.
     */
    async setPublicBalance(target: BalanceTarget, publicBalance: boolean, context: AuditContext): Promise<void> {
      if (target.scope !== 'COMMUNITY' || !target.canChangePublic) {
        throw new Invalid({ publicBalance: 'balance.public.notOpen' });
      }
      await db.community.update({ where: { id: target.scopeId }, data: { publicBalance } });
      await audit.record(context, {
        action: publicBalance ? 'community.balance_published' : 'community.balance_unpublished',
        outcome: 'SUCCESS',
        target: { type: 'community', id: target.scopeId },
      });
    },
  };
}

export type BalanceService = ReturnType<typeof createBalanceService>;
