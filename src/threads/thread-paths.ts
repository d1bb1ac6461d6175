// Where a thread and a post are, as links and redirects write them. A long thread is paged
// (reply-pages.ts): a link to a post names it in `at`, so the page that holds it opens, with the post's
// anchor; a bare `#post-…` opened page 1, where a post of page 2 is not.

/** A thread's page: `/c/<slug>/threads/<id>`. */
export function threadPath(slug: string, threadId: string): string {
  return `/c/${encodeURIComponent(slug)}/threads/${threadId}`;
}

/**
 * A post on its thread's page: the page holding it (`at`), scrolled to it; `notice` (a key of the notices
 * the layout shows after a redirect) first when given.
 */
export function postPath(slug: string, threadId: string, postId: string, notice?: string): string {
  return `${threadPath(slug, threadId)}?${notice ? `notice=${notice}&` : ''}at=${postId}#post-${postId}`;
}
