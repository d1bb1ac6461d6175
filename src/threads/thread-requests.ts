import type { FastifyRequest } from 'fastify';
import { NotFound } from '../errors.js';
import { postParams, threadParams } from './threads.schemas.js';
import type { ThreadsService } from './threads.service.js';

// The ids a thread route is addressed by, read from its path: anything malformed is a 404, the same answer
// as an id that does not exist (nothing about what exists is told by the shape of an address).

/** The `:slug` of a community route. Throws NotFound when missing or longer than a slug can be (60). */
export function slugOf(request: FastifyRequest): string {
  const slug = (request.params as { slug?: unknown }).slug;
  if (typeof slug !== 'string' || slug.length > 60) throw new NotFound('No such community');
  return slug;
}

/**
 * The thread of a `/c/:slug/threads/:threadId…` route, opened for the viewer (ThreadsService.openThread:
 * NotFound for a thread they may not read, as for one that does not exist).
 */
export function openedThreadOf(threads: Pick<ThreadsService, 'openThread'>, request: FastifyRequest) {
  const parsed = threadParams.safeParse(request.params);
  if (!parsed.success) throw new NotFound('No such thread');
  return threads.openThread(parsed.data.slug, parsed.data.threadId, request.viewer, request.auditContext);
}

/** The `:postId` of a post route (a UUID). Throws NotFound otherwise. */
export function postIdOf(request: FastifyRequest): string {
  const parsed = postParams.safeParse(request.params);
  if (!parsed.success) throw new NotFound('No such post');
  return parsed.data.postId;
}
