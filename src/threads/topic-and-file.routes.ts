import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFound } from '../errors.js';
import type { FeedService } from '../feed/feed.service.js';
import { topicKey } from '../markdown/post-markdown.js';
import { attachmentParams, topicParams } from './threads.schemas.js';
import type { ThreadsService } from './threads.service.js';

// Topic pages and the files of posts: read-only routes beside the thread pages (threads.routes.ts).

export async function topicAndFileRoutes(
  app: FastifyInstance,
  { threads, follows }: { threads: ThreadsService; follows: Pick<FeedService, 'isFollowing'> },
) {
  app.get('/t/:topic', async (request, reply) => {
    const parsed = topicParams.safeParse(request.params);
    if (!parsed.success) throw new NotFound('No such topic');
    // Any spelling of the topic answers with it: /t/Contratación, /t/contratacion, /t/col.legi.
    const after = (request.query as { after?: unknown } | undefined)?.after;
    const {
      topic,
      threads: list,
      next,
    } = await threads.topicThreads(
      topicKey(parsed.data.topic),
      request.viewer,
      typeof after === 'string' ? after : undefined,
    );
    if (!topic) throw new NotFound('No such topic');
    const following = request.viewer ? await follows.isFollowing(request.viewer, { topicKey: topic.slug }) : false;
    return reply.view('threads/topic.eta', { title: `#${topic.label}`, topic, threads: list, following, next });
  });

  async function serveAttachment(request: FastifyRequest, reply: FastifyReply) {
    const parsed = attachmentParams.safeParse(request.params);
    if (!parsed.success) throw new NotFound('No such attachment');
    const file = await threads.openAttachment(parsed.data.attachmentId, request.viewer, request.auditContext);
    const encoded = encodeURIComponent(file.displayName);
    return (
      reply
        .header('content-type', file.mimeType.startsWith('text/') ? `${file.mimeType}; charset=utf-8` : file.mimeType)
        // Text is stored as UTF-8 whatever it came in. Images show in the page; anything else is
        // downloaded, never opened as a page of ours.
        .header('content-disposition', `${file.isImage ? 'inline' : 'attachment'}; filename*=UTF-8''${encoded}`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-content-type-options', 'nosniff')
        // For anonymous readers (an OPEN, PUBLIC community); whatever a session was needed for is
        // made no-store by the security plugin.
        .header('cache-control', 'private, max-age=3600')
        .send(file.bytes)
    );
  }
  app.get('/attachments/:attachmentId', serveAttachment);
  app.get('/attachments/:attachmentId/:name', serveAttachment);
}
