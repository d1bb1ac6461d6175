import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../communities/communities.service.js';
import { communityAccessWhere } from '../communities/community-access-where.js';
import type { Db } from '../db/client.js';
import type { MessageKey } from '../i18n/i18n.js';
import { type ReadSearchForm, readSearchForm } from './search.schemas.js';
import { NO_FILTERS, type SearchFilters, type SearchPage, type SearchService } from './search.service.js';

// /search (every post and title the viewer may read) and /solved (questions with an accepted answer).
// GET forms: refused input is shown beside its field with 400 and every value kept; nothing is searched.

export async function searchRoutes(app: FastifyInstance, { db, search }: { db: Db; search: SearchService }) {
  /** The filters named by slug and handle, looked up; an unknown or unreadable community is one answer. */
  async function resolveFilters(request: FastifyRequest, form: ReadSearchForm) {
    const errors: Partial<Record<string, MessageKey>> = { ...form.errors };
    let communityId: string | null = null;
    if (form.communitySlug) {
      const community = await db.community.findFirst({
        where: { slug: form.communitySlug, AND: [communityAccessWhere(actorOf(request.viewer), 'read')] },
        select: { id: true },
      });
      if (community) communityId = community.id;
      else errors.community = 'search.field.communityUnknown';
    }
    let authorId: string | null = null;
    if (form.authorHandle) {
      const author = await db.user.findFirst({
        // users.handle is citext: equality is case-insensitive. Prisma's `mode: 'insensitive'` is ILIKE, which
        // read the typed handle as a pattern (% and _ matched anybody, a trailing \ was a 500).
        where: { handle: form.authorHandle, status: 'ACTIVE' },
        select: { id: true },
      });
      if (author) authorId = author.id;
      else errors.author = 'search.field.authorUnknown';
    }
    const filters: SearchFilters = {
      ...NO_FILTERS,
      communityId,
      authorId,
      tag: form.tag,
      kind: form.kind,
      answered: form.answered,
      from: form.from,
      to: form.to,
    };
    return { errors, filters };
  }

  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    view: 'search/search.eta' | 'search/solved.eta',
    solvedOnly: boolean,
  ) {
    const form = readSearchForm(request.query, new Date(), app.config.timeZone);
    const { errors, filters } = await resolveFilters(request, form);
    const translated = Object.fromEntries(
      Object.entries(errors).map(([field, key]) => [field, request.t(key as MessageKey)]),
    );
    const failed = Object.keys(errors).length > 0;
    let result: SearchPage | null = null;
    let solved: Awaited<ReturnType<SearchService['latestSolved']>> | null = null;
    if (!failed && form.query)
      result = await search.search(request.viewer, form.query, filters, {
        after: form.after,
        solvedOnly,
        locale: request.locale,
      });
    else if (!failed && solvedOnly && form.blank)
      solved = await search.latestSolved(request.viewer, form.after, filters);
    const nextLink = (cursor: string | null) => {
      if (!cursor) return null;
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(form.values)) if (value !== '') params.set(name, value);
      params.set('after', cursor);
      return `${solvedOnly ? '/solved' : '/search'}?${params.toString()}`;
    };
    const title = solvedOnly ? request.t('search.solved.title') : request.t('search.title');
    return reply.code(failed ? 400 : 200).view(view, {
      title: form.values.q.trim() ? `${form.values.q.trim()} · ${title}` : title,
      values: form.values,
      errors: translated,
      result,
      solved,
      dropped: form.query?.dropped ?? 0,
      communities: await search.filterCommunities(request.viewer),
      nextLink: nextLink(result?.next ?? solved?.next ?? null),
    });
  }

  app.get('/search', (request, reply) => render(request, reply, 'search/search.eta', false));
  app.get('/solved', (request, reply) => render(request, reply, 'search/solved.eta', true));
}
