-- "Who knows about X" (src/search/people.service.ts whoKnows) sums the "útil" reactions of the posts in a
-- topic's threads from each post's own count (posts.useful_count). Most posts have none: the posts that
-- have some, by thread, in an index of their own, so a topic of 100 threads reads those and no others
-- (walking every post of the threads cost 1.2 ms at the bench's large size; counting reactions per post,
-- as before the counter, a probe of reactions per post).
CREATE INDEX "posts_useful_by_thread_idx" ON "posts" ("thread_id") INCLUDE ("author_id", "useful_count")
  WHERE "useful_count" > 0 AND "status" = 'PUBLISHED' AND "deleted_at" IS NULL;
