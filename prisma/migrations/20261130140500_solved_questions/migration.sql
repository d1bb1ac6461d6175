-- /solved lists the answered questions of every community the viewer may read, latest activity first.
-- One question in twelve is solved: walking every thread by activity read a thousand rows for a page of
-- 25 at the bench's large size. Their own index, in the list's order, holds the listed solved questions
-- only (src/search/search.service.ts latestSolved); each row's community is still checked as it comes.
CREATE INDEX "threads_solved_last_activity_at_id_idx" ON "threads" ("last_activity_at" DESC, "id" DESC)
  WHERE "kind" = 'QUESTION' AND "accepted_post_id" IS NOT NULL AND NOT "restricted";
