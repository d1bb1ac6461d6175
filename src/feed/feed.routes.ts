import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFound } from '../errors.js';
import type { MessageKey } from '../i18n/i18n.js';
import { requireViewer, viewerOf } from '../plugins/sessions.js';
import { POST_TAGS } from '../policy/tags.js';
import type { PeopleService } from '../search/people.service.js';
import { textLength } from '../text/limits.js';
import { withoutFormatCharacters } from '../text/visible-text.js';
import { THREAD_KINDS } from '../threads/threads.schemas.js';
import type { FeedService } from './feed.service.js';

// /people (people and "who knows about X"), following people and topics, and the signed-in home feed.

const first = (value: unknown): string =>
  typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '';
const handleParams = z.object({ handle: z.string().min(1).max(60) });
const topicParams = z.object({ topic: z.string().min(1).max(100) });
export const PEOPLE_QUERY_MAX = 100;

export async function feedRoutes(app: FastifyInstance, { feed, people }: { feed: FeedService; people: PeopleService }) {
  app.get('/people', async (request, reply) => {
    const query = request.query as Record<string, unknown> | undefined;
    // At most 2,000 characters echoed back, cut between code points; compared without format characters,
    // counted as a person counts characters (text/limits.ts).
    const q = withoutFormatCharacters(Array.from(first(query?.q)).slice(0, 2000).join(''));
    const topic = withoutFormatCharacters(Array.from(first(query?.topic)).slice(0, 2000).join(''));
    const after = first(query?.after) || null;
    const errors: Record<string, string> = {};
    if (textLength(q.trim()) > PEOPLE_QUERY_MAX) errors.q = request.t('find.people.qTooLong');
    if (textLength(topic.trim()) > PEOPLE_QUERY_MAX) errors.topic = request.t('find.people.qTooLong');
    const failed = Object.keys(errors).length > 0;
    const list = !failed && topic.trim() === '' ? await people.listPeople(request.viewer, q, after) : null;
    const experts = !failed && topic.trim() !== '' ? await people.whoKnows(request.viewer, topic) : null;
    const nextLink = list?.next
      ? `/people?${new URLSearchParams({ ...(q ? { q } : {}), after: list.next }).toString()}`
      : null;
    return reply.code(failed ? 400 : 200).view('feed/people.eta', {
      title:
        topic.trim() && experts
          ? request.t('find.people.whoKnowsTitle', { topic: experts.topic?.label ?? topic.trim() })
          : request.t('people.title'),
      values: { q, topic },
      errors,
      found: list,
      experts,
      nextLink,
    });
  });

  async function follow(request: FastifyRequest, reply: FastifyReply, kind: 'person' | 'topic', on: boolean) {
    const viewer = viewerOf(request);
    if (kind === 'person') {
      const params = handleParams.safeParse(request.params);
      if (!params.success) throw new NotFound();
      await feed.setPersonFollow(viewer, params.data.handle, on);
      return reply.redirect(
        `/u/${encodeURIComponent(params.data.handle)}?notice=${on ? 'followed' : 'unfollowed'}#follow`,
        303,
      );
    }
    const params = topicParams.safeParse(request.params);
    if (!params.success) throw new NotFound();
    const readable = await feed.setTopicFollow(viewer, params.data.topic, on);
    // Left a topic they may no longer read: its page would be a 404, so home, where follows are listed.
    if (!readable) return reply.redirect('/?notice=unfollowed', 303);
    return reply.redirect(
      `/t/${encodeURIComponent(params.data.topic)}?notice=${on ? 'followed' : 'unfollowed'}#follow`,
      303,
    );
  }
  const guarded = { preHandler: requireViewer, config: { keepsWords: false } };
  app.post('/u/:handle/follow', guarded, (request, reply) => follow(request, reply, 'person', true));
  app.post('/u/:handle/unfollow', guarded, (request, reply) => follow(request, reply, 'person', false));
  app.post('/t/:topic/follow', guarded, (request, reply) => follow(request, reply, 'topic', true));
  app.post('/t/:topic/unfollow', guarded, (request, reply) => follow(request, reply, 'topic', false));
}

/** The signed-in home page's feed: its filters read (unknown values are refused beside the field). */
export async function feedPage(request: FastifyRequest, feed: FeedService) {
  const viewer = viewerOf(request);
  const query = request.query as Record<string, unknown> | undefined;
  const values = { tag: first(query?.tag), kind: first(query?.kind) };
  const errors: Record<string, string> = {};
  const tag = values.tag === '' ? null : (POST_TAGS as readonly string[]).includes(values.tag) ? values.tag : undefined;
  const kind =
    values.kind === '' ? null : (THREAD_KINDS as readonly string[]).includes(values.kind) ? values.kind : undefined;
  if (tag === undefined) errors.tag = request.t('search.field.tagUnknown' as MessageKey);
  if (kind === undefined) errors.kind = request.t('search.field.kindUnknown' as MessageKey);
  const failed = Object.keys(errors).length > 0;
  const after = first(query?.after) || null;
  const {
    feed: page,
    unanswered,
    following,
  } = await feed.homePage(
    viewer,
    failed
      ? null
      : {
          tag: (tag ?? null) as (typeof POST_TAGS)[number] | null,
          kind: (kind ?? null) as (typeof THREAD_KINDS)[number] | null,
        },
    after,
  );
  const nextParams = new URLSearchParams({
    ...(values.tag ? { tag: values.tag } : {}),
    ...(values.kind ? { kind: values.kind } : {}),
  });
  if (page.next) nextParams.set('after', page.next);
  return {
    status: failed ? 400 : 200,
    data: {
      feed: page,
      unanswered,
      following,
      values,
      errors,
      nextLink: page.next ? `/?${nextParams.toString()}` : null,
    },
  };
}
